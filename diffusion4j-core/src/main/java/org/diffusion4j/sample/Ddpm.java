package org.diffusion4j.sample;

import ai.djl.ndarray.NDArray;

/**
 * Ancestral DDPM sampling (Ho et al. 2020, Algorithm 2): each step draws from the posterior
 * {@code q(x_s | x_t, x_0 = D)} of eq. 6–7 with its "fixed small" variance β̃. In the EDM view the chain between
 * two levels is a Brownian bridge, and the posterior reads
 * <pre>
 * x_{i+1} = D + (σ_{i+1}²/σ_i²)·(x_i − D) + σ_{i+1}·√(1 − σ_{i+1}²/σ_i²)·z
 * </pre>
 * The step to σ = 0 returns D. With {@code variance=large} the noise has Algorithm 2's other choice σ_t² = β_t
 * on the VP chain of the levels (ᾱ = 1/(1 + σ²)), which in the EDM view is the variance
 * {@code (σ_i² − σ_{i+1}²)(1 + σ_{i+1}²)/(1 + σ_i²)}; the mean is the same.
 *
 * @param variance {@code SMALL} (β̃, the posterior's) or {@code LARGE} (β)
 */
public record Ddpm(Variance variance) implements SteppedSampler {

    /** Ho et al.'s two choices of the step's noise variance. */
    public enum Variance {
        SMALL, LARGE
    }

    public Ddpm() {
        this(Variance.SMALL);
    }

    @Override
    public String name() {
        return "ddpm";
    }

    @Override
    public boolean isStochastic() {
        return true;
    }

    @Override
    public NDArray step(Step step, NDArray x) {
        double sigma = step.sigma();
        double next = step.next();
        NDArray denoised = step.denoise(x, sigma);
        double ratio = next * next / (sigma * sigma);
        NDArray mean = denoised.add(x.sub(denoised).mul(ratio));
        if (next == 0) {
            return mean;
        }
        double deviation = variance == Variance.SMALL ? next * Math.sqrt(1 - ratio)
                : Math.sqrt((sigma * sigma - next * next) * (1 + next * next) / (1 + sigma * sigma));
        return mean.add(step.noise(mean, sigma, next).mul(deviation));
    }
}
