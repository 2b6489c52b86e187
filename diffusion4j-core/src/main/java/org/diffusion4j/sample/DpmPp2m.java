package org.diffusion4j.sample;

import ai.djl.ndarray.NDArray;
import org.diffusion4j.denoise.Denoiser;
import org.diffusion4j.grid.Grid;

/**
 * DPM-Solver++(2M) (Lu et al. 2022b, Algorithm 2; k-diffusion's {@code sample_dpmpp_2m}). With λ = −log σ,
 * h = λ_{i+1} − λ_i and r = h_{i−1}/h: {@code D' = (1 + 1/(2r))·D_i − 1/(2r)·D_{i−1}},
 * {@code x_{i+1} = (σ_{i+1}/σ_i)·x_i − (e^{−h} − 1)·D'}. The first step and the step to σ = 0 use D' = D_i
 * (first order). Second order, one denoiser call per step.
 */
public record DpmPp2m() implements Sampler {

    @Override
    public String name() {
        return "dpmpp-2m";
    }

    @Override
    public NDArray sample(Denoiser denoiser, NDArray input, Grid grid, NoiseSource noise, StepCallback callback) {
        try (SamplingLoop loop = new SamplingLoop(name(), input, grid)) {
            NDArray x = loop.start();
            NDArray previous = null;
            for (int i = 0; i < grid.steps(); i++) {
                try (SamplingLoop.Step step = loop.step(i, x, previous)) {
                    double sigma = grid.sigma(i);
                    double next = grid.sigma(i + 1);
                    NDArray denoised = denoiser.denoise(x, sigma);
                    callback.onStep(new StepInfo(i, grid.steps(), sigma, sigma, x, denoised));
                    double h = Math.log(sigma) - Math.log(next);
                    NDArray target = denoised;
                    if (previous != null && next > 0) {
                        double hLast = Math.log(grid.sigma(i - 1)) - Math.log(sigma);
                        double r = hLast / h;
                        target = denoised.mul(1 + 1 / (2 * r)).sub(previous.mul(1 / (2 * r)));
                    }
                    x = step.advance(x.mul(next / sigma).sub(target.mul(Math.expm1(-h))));
                    previous = step.keep(denoised);
                }
            }
            return loop.finish(x);
        }
    }
}
