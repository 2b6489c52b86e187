package org.diffusion4j.sample;

import ai.djl.ndarray.NDArray;
import org.diffusion4j.denoise.Denoiser;
import org.diffusion4j.grid.Grid;

/**
 * Ancestral sampling with DPM-2 steps (k-diffusion's {@code sample_dpm_2_ancestral}): the {@link Dpm2} move from
 * σ_i to σ_down, then noise of scale σ_up·s_noise ({@link AncestralStep}). A plain Euler step where σ_down = 0.
 *
 * @param eta scale of the posterior noise
 * @param sNoise extra noise factor
 */
public record Dpm2Ancestral(double eta, double sNoise) implements Sampler {

    public Dpm2Ancestral {
        AncestralStep.checkEta(eta);
    }

    public Dpm2Ancestral() {
        this(1, 1);
    }

    @Override
    public String name() {
        return "dpm2-ancestral";
    }

    @Override
    public int evaluationsPerStep() {
        return 2;
    }

    @Override
    public boolean isStochastic() {
        return eta > 0;
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
                    AncestralStep ancestral = AncestralStep.of(sigma, next, eta);
                    callback.onStep(new StepInfo(i, grid.steps(), sigma, sigma, x, denoised));
                    NDArray d = OdeDerivative.of(x, denoised, sigma);
                    if (ancestral.down() == 0) {
                        x = x.add(d.mul(-sigma));
                    } else {
                        x = Dpm2.midpointStep(denoiser, x, d, sigma, ancestral.down());
                        if (ancestral.up() > 0) {
                            x = x.add(noise.sample(x, sigma, next).mul(sNoise * ancestral.up()));
                        }
                    }
                    x = step.advance(x);
                }
            }
            return loop.finish(x);
        }
    }
}
