/**
 * Deterministic corruptions that generalize the Gaussian forward process to {@code x = A_σ(x_0) + σ·ε} (in the EDM
 * view): blur, down-then-up sampling, pixel-wise saturation. A network trained to restore x_0 from x is sampled by
 * restoration–degradation steps ({@link org.diffusion4j.sample.RdSampler}); with the identity it is DDIM.
 */
package org.diffusion4j.degradation;
