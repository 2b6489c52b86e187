package org.diffusion4j.sample;

import ai.djl.ndarray.NDArray;

/**
 * Ancestral sampling with DPM-2 steps (k-diffusion's {@code sample_dpm_2_ancestral}): the {@link Dpm2} move from
 * σ_i to σ_down, then noise of scale σ_up·s_noise ({@link AncestralStep}). A plain Euler step where σ_down = 0.
 *
 * @param eta scale of the posterior noise
 * @param sNoise extra noise factor
 */
public record Dpm2Ancestral(double eta, double sNoise) implements SteppedSampler {

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
    public NDArray step(Step step, NDArray x) {
        double sigma = step.sigma();
        AncestralStep ancestral = AncestralStep.of(sigma, step.next(), eta);
        NDArray d = OdeDerivative.of(x, step.denoise(x, sigma), sigma);
        if (ancestral.down() == 0) {
            return x.add(d.mul(-sigma));
        }
        return ancestral.addNoise(step, Dpm2.midpointStep(step, x, d, sigma, ancestral.down()), sNoise);
    }
}
