package org.diffusion4j.sample;

import ai.djl.ndarray.NDArray;
import org.diffusion4j.denoise.Denoiser;
import org.diffusion4j.grid.Grid;

/**
 * Heun's second-order method with optional churn (Karras et al. 2022, Algorithm 2; k-diffusion's
 * {@code sample_heun}): an Euler predictor {@code x' = x̂ + (σ_{i+1} − σ̂)·d}, then
 * {@code x_{i+1} = x̂ + (σ_{i+1} − σ̂)·(d + d')/2} with {@code d' = (x' − D(x'; σ_{i+1}))/σ_{i+1}}. The step to
 * σ = 0 is a plain Euler step. Two denoiser calls per step (2N − 1 in all).
 */
public record Heun(Churn churn) implements Sampler {

    public Heun() {
        this(Churn.NONE);
    }

    @Override
    public String name() {
        return "heun";
    }

    @Override
    public int evaluationsPerStep() {
        return 2;
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
                    double next = grid.sigma(i + 1);
                    double gamma = churn.gamma(sigma, grid.steps());
                    double sigmaHat = sigma * (gamma + 1);
                    if (gamma > 0) {
                        x = churn.raise(x, sigma, sigmaHat, noise);
                    }
                    NDArray denoised = denoiser.denoise(x, sigmaHat);
                    callback.onStep(new StepInfo(i, grid.steps(), sigma, sigmaHat, x, denoised));
                    NDArray d = OdeDerivative.of(x, denoised, sigmaHat);
                    double dt = next - sigmaHat;
                    if (next == 0) {
                        x = step.advance(x.add(d.mul(dt)));
                    } else {
                        NDArray x2 = x.add(d.mul(dt));
                        NDArray d2 = OdeDerivative.of(x2, denoiser.denoise(x2, next), next);
                        x = step.advance(x.add(d.add(d2).div(2).mul(dt)));
                    }
                }
            }
            return loop.finish(x);
        }
    }
}
