package org.diffusion4j.sample;

import ai.djl.ndarray.NDArray;
import org.diffusion4j.denoise.Denoiser;
import org.diffusion4j.grid.Grid;

/**
 * Ancestral sampling with DPM-Solver++(2S) steps (Lu et al. 2022b, Algorithm 1 with r = ½; k-diffusion's
 * {@code sample_dpmpp_2s_ancestral}). In λ = −log σ with h = λ_down − λ_i and s = λ_i + h/2:
 * {@code u = (σ_s/σ_i)·x − (e^{−h/2} − 1)·D(x; σ_i)},
 * {@code x' = (σ_down/σ_i)·x − (e^{−h} − 1)·D(u; σ_s)}, then noise of scale σ_up·s_noise. Euler where σ_down = 0.
 *
 * @param eta scale of the posterior noise
 * @param sNoise extra noise factor
 */
public record DpmPp2sAncestral(double eta, double sNoise) implements Sampler {

    public DpmPp2sAncestral {
        AncestralStep.checkEta(eta);
    }

    public DpmPp2sAncestral() {
        this(1, 1);
    }

    @Override
    public String name() {
        return "dpmpp-2s-ancestral";
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
                    if (ancestral.down() == 0) {
                        x = x.add(OdeDerivative.of(x, denoised, sigma).mul(-sigma));
                    } else {
                        double lambda = -Math.log(sigma);
                        double h = -Math.log(ancestral.down()) - lambda;
                        double sigmaMid = Math.exp(-(lambda + 0.5 * h));
                        NDArray u = x.mul(sigmaMid / sigma).sub(denoised.mul(Math.expm1(-0.5 * h)));
                        NDArray denoisedMid = denoiser.denoise(u, sigmaMid);
                        x = x.mul(ancestral.down() / sigma).sub(denoisedMid.mul(Math.expm1(-h)));
                    }
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
