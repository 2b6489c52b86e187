package org.diffusion4j.sample;

import ai.djl.ndarray.NDArray;
import org.diffusion4j.denoise.Denoiser;
import org.diffusion4j.grid.Grid;

/**
 * Ancestral sampling with Euler steps (k-diffusion's {@code sample_euler_ancestral}): an Euler step from σ_i down
 * to σ_down, then fresh noise of scale σ_up·s_noise, with (σ_down, σ_up) from {@link AncestralStep}. With η = 1 each
 * step draws from the DDPM posterior (Ho et al. 2020, eq. 6–7) in the EDM view.
 *
 * @param eta scale of the posterior noise (1: DDPM-like, 0: deterministic Euler)
 * @param sNoise extra noise factor
 */
public record EulerAncestral(double eta, double sNoise) implements Sampler {

    public EulerAncestral {
        AncestralStep.checkEta(eta);
    }

    public EulerAncestral() {
        this(1, 1);
    }

    @Override
    public String name() {
        return "euler-ancestral";
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
                    x = x.add(d.mul(ancestral.down() - sigma));
                    if (next > 0 && ancestral.up() > 0) {
                        x = x.add(noise.sample(x, sigma, next).mul(sNoise * ancestral.up()));
                    }
                    x = step.advance(x);
                }
            }
            return loop.finish(x);
        }
    }
}
