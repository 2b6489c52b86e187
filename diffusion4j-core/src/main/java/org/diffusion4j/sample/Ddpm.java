package org.diffusion4j.sample;

import ai.djl.ndarray.NDArray;
import org.diffusion4j.denoise.Denoiser;
import org.diffusion4j.grid.Grid;

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
public record Ddpm(Variance variance) implements Sampler {

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
    public NDArray sample(Denoiser denoiser, NDArray input, Grid grid, NoiseSource noise, StepCallback callback) {
        try (SamplingLoop loop = new SamplingLoop(name(), input, grid)) {
            NDArray x = loop.start();
            for (int i = 0; i < grid.steps(); i++) {
                try (SamplingLoop.Step step = loop.step(i, x)) {
                    double sigma = grid.sigma(i);
                    double next = grid.sigma(i + 1);
                    NDArray denoised = denoiser.denoise(x, sigma);
                    callback.onStep(new StepInfo(i, grid.steps(), sigma, sigma, x, denoised));
                    double ratio = next * next / (sigma * sigma);
                    x = denoised.add(x.sub(denoised).mul(ratio));
                    if (next > 0) {
                        double deviation = variance == Variance.SMALL ? next * Math.sqrt(1 - ratio)
                                : Math.sqrt((sigma * sigma - next * next) * (1 + next * next) / (1 + sigma * sigma));
                        x = x.add(noise.sample(x, sigma, next).mul(deviation));
                    }
                    x = step.advance(x);
                }
            }
            return loop.finish(x);
        }
    }
}
