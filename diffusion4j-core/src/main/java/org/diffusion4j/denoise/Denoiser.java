package org.diffusion4j.denoise;

import ai.djl.ndarray.NDArray;

/**
 * {@code D(x; σ) ≈ E[x_0 | x]} for {@code x = x_0 + σ·ε}: the denoiser of the EDM view (Karras et al. 2022,
 * eq. 2–3), which every sampler calls. A model of any Gaussian process enters through {@link EdmView}.
 *
 * <p>Implementations create their result (and temporaries) in the manager of {@code x}, never modify {@code x},
 * and are safe to call from several threads.
 */
@FunctionalInterface
public interface Denoiser {

    /** The estimate of x_0 for a batch {@code x} (batch dimension first) at EDM noise level {@code sigma > 0}. */
    NDArray denoise(NDArray x, double sigma);
}
