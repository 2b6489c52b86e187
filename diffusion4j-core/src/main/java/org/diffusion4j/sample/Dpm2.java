package org.diffusion4j.sample;

import ai.djl.ndarray.NDArray;
import org.diffusion4j.denoise.Denoiser;
import org.diffusion4j.grid.Grid;

/**
 * The explicit midpoint method with the midpoint taken geometrically, σ_mid = √(σ̂·σ_{i+1}) (k-diffusion's
 * {@code sample_dpm_2}, "inspired by DPM-Solver-2", Lu et al. 2022, Algorithm 1 with r = ½): {@code x' = x̂ +
 * (σ_mid − σ̂)·d}, {@code x_{i+1} = x̂ + (σ_{i+1} − σ̂)·d(x'; σ_mid)}. Optional churn; Euler on the step to 0.
 */
public record Dpm2(Churn churn) implements Sampler {

    public Dpm2() {
        this(Churn.NONE);
    }

    @Override
    public String name() {
        return "dpm2";
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
                    x = step.advance(next == 0
                            ? x.add(d.mul(next - sigmaHat))
                            : midpointStep(denoiser, x, d, sigmaHat, next));
                }
            }
            return loop.finish(x);
        }
    }

    /** The DPM-2 move from σ (with derivative d already known) to σ_next through σ_mid = √(σ·σ_next). */
    static NDArray midpointStep(Denoiser denoiser, NDArray x, NDArray d, double sigma, double sigmaNext) {
        double logSigma = Math.log(sigma);
        double mid = Math.exp(logSigma + 0.5 * (Math.log(sigmaNext) - logSigma));
        NDArray x2 = x.add(d.mul(mid - sigma));
        NDArray d2 = OdeDerivative.of(x2, denoiser.denoise(x2, mid), mid);
        return x.add(d2.mul(sigmaNext - sigma));
    }
}
