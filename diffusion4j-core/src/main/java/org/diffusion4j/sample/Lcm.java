package org.diffusion4j.sample;

import ai.djl.ndarray.NDArray;

/**
 * Multistep sampling of a few-step generator: denoise, then noise the estimate afresh to the next level,
 * <pre>
 * x_{i+1} = D(x_i; σ_i) + σ_{i+1}·z,   z ~ N(0, I)
 * </pre>
 * which forgets x_i except through D. It is the multistep consistency sampler (Song et al. 2023, Algorithm 1, with
 * σ_min = 0), diffusers' {@code LCMScheduler} (x_s = √ᾱ_s·x̂_0 + √(1 − ᾱ_s)·z on a VP chain is the same step in the
 * EDM view) and how DMD2's multi-step generators sample (Yin et al. 2024, §4.4). The step to σ = 0 returns D, so a
 * grid of N positive levels and a final 0 costs N model calls; with one level it is the one-step generator
 * x = D(σ_max·z; σ_max).
 */
public record Lcm() implements SteppedSampler {

    @Override
    public String name() {
        return "lcm";
    }

    @Override
    public boolean isStochastic() {
        return true;
    }

    @Override
    public NDArray step(Step step, NDArray x) {
        double next = step.next();
        NDArray denoised = step.denoise(x, step.sigma());
        return next == 0 ? denoised : denoised.add(step.noise(denoised, step.sigma(), next).mul(next));
    }
}
