package org.diffusion4j.sample;

import ai.djl.ndarray.NDArray;
import org.diffusion4j.denoise.Denoiser;
import org.diffusion4j.grid.Grid;

/**
 * Euler's method on the probability-flow ODE, with optional churn (Karras et al. 2022, Algorithm 2 without the
 * second-order correction; k-diffusion's {@code sample_euler}):
 * {@code d_i = (x̂_i − D(x̂_i; σ̂_i))/σ̂_i}, {@code x_{i+1} = x̂_i + (σ_{i+1} − σ̂_i)·d_i}. First order. Without churn
 * it is DDIM (η = 0) in the EDM view.
 */
public record Euler(Churn churn) implements Sampler {

    public Euler() {
        this(Churn.NONE);
    }

    @Override
    public String name() {
        return "euler";
    }

    @Override
    public boolean isStochastic() {
        return churn.active();
    }

    @Override
    public NDArray sample(Denoiser denoiser, NDArray input, Grid grid, NoiseSource noise, StepCallback callback) {
        try (SamplingLoop loop = new SamplingLoop(name(), input, grid)) {
            NDArray x = loop.start();
            for (int i = 0; i < grid.steps(); i++) {
                try (SamplingLoop.Step step = loop.step(i, x)) {
                    double sigma = grid.sigma(i);
                    double gamma = churn.gamma(sigma, grid.steps());
                    double sigmaHat = sigma * (gamma + 1);
                    if (gamma > 0) {
                        x = churn.raise(x, sigma, sigmaHat, noise);
                    }
                    NDArray denoised = denoiser.denoise(x, sigmaHat);
                    callback.onStep(new StepInfo(i, grid.steps(), sigma, sigmaHat, x, denoised));
                    NDArray d = OdeDerivative.of(x, denoised, sigmaHat);
                    x = step.advance(x.add(d.mul(grid.sigma(i + 1) - sigmaHat)));
                }
            }
            return loop.finish(x);
        }
    }
}
