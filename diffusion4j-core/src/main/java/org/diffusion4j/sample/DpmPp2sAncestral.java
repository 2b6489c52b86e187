package org.diffusion4j.sample;

import ai.djl.ndarray.NDArray;

/**
 * Ancestral sampling with DPM-Solver++(2S) steps (Lu et al. 2022b, Algorithm 1 with r = ½; k-diffusion's
 * {@code sample_dpmpp_2s_ancestral}). In λ = −log σ with h = λ_down − λ_i and s = λ_i + h/2:
 * {@code u = (σ_s/σ_i)·x − (e^{−h/2} − 1)·D(x; σ_i)},
 * {@code x' = (σ_down/σ_i)·x − (e^{−h} − 1)·D(u; σ_s)}, then noise of scale σ_up·s_noise. Euler where σ_down = 0.
 *
 * @param eta scale of the posterior noise
 * @param sNoise extra noise factor
 */
public record DpmPp2sAncestral(double eta, double sNoise) implements SteppedSampler {

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
    public NDArray step(Step step, NDArray x) {
        double sigma = step.sigma();
        NDArray denoised = step.denoise(x, sigma);
        AncestralStep ancestral = AncestralStep.of(sigma, step.next(), eta);
        if (ancestral.down() == 0) {
            return ancestral.addNoise(step, x.add(OdeDerivative.of(x, denoised, sigma).mul(-sigma)), sNoise);
        }
        double lambda = -Math.log(sigma);
        double h = -Math.log(ancestral.down()) - lambda;
        double sigmaMid = Math.exp(-(lambda + 0.5 * h));
        NDArray u = x.mul(sigmaMid / sigma).sub(denoised.mul(Math.expm1(-0.5 * h)));
        NDArray denoisedMid = step.denoise(u, sigmaMid);
        return ancestral.addNoise(step, x.mul(ancestral.down() / sigma).sub(denoisedMid.mul(Math.expm1(-h))), sNoise);
    }
}
