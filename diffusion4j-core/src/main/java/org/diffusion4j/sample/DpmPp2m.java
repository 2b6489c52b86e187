package org.diffusion4j.sample;

import ai.djl.ndarray.NDArray;

/**
 * DPM-Solver++(2M) (Lu et al. 2022b, Algorithm 2; k-diffusion's {@code sample_dpmpp_2m}). With λ = −log σ,
 * h = λ_{i+1} − λ_i and r = h_{i−1}/h: {@code D' = (1 + 1/(2r))·D_i − 1/(2r)·D_{i−1}},
 * {@code x_{i+1} = (σ_{i+1}/σ_i)·x_i − (e^{−h} − 1)·D'}. The first step and the step to σ = 0 use D' = D_i
 * (first order). Second order, one denoiser call per step.
 */
public record DpmPp2m() implements SteppedSampler {

    @Override
    public String name() {
        return "dpmpp-2m";
    }

    @Override
    public int history() {
        return 1;
    }

    @Override
    public NDArray step(Step step, NDArray x) {
        double sigma = step.sigma();
        double next = step.next();
        NDArray denoised = step.denoise(x, sigma);
        NDArray previous = step.previous("denoised", 1);
        step.remember("denoised", denoised);
        double h = Math.log(sigma) - Math.log(next);
        NDArray target = denoised;
        if (previous != null && next > 0) {
            double r = (Math.log(step.sigma(step.index() - 1)) - Math.log(sigma)) / h;
            target = denoised.mul(1 + 1 / (2 * r)).sub(previous.mul(1 / (2 * r)));
        }
        return x.mul(next / sigma).sub(target.mul(Math.expm1(-h)));
    }
}
