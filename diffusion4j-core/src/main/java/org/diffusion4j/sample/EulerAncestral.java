package org.diffusion4j.sample;

import ai.djl.ndarray.NDArray;

/**
 * Ancestral sampling with Euler steps (k-diffusion's {@code sample_euler_ancestral}): an Euler step from σ_i down
 * to σ_down, then fresh noise of scale σ_up·s_noise, with (σ_down, σ_up) from {@link AncestralStep}. With η = 1 each
 * step draws from the DDPM posterior (Ho et al. 2020, eq. 6–7) in the EDM view.
 *
 * @param eta scale of the posterior noise (1: DDPM-like, 0: deterministic Euler)
 * @param sNoise extra noise factor
 */
public record EulerAncestral(double eta, double sNoise) implements SteppedSampler {

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
    public NDArray step(Step step, NDArray x) {
        double sigma = step.sigma();
        AncestralStep ancestral = AncestralStep.of(sigma, step.next(), eta);
        NDArray d = OdeDerivative.of(x, step.denoise(x, sigma), sigma);
        return ancestral.addNoise(step, x.add(d.mul(ancestral.down() - sigma)), sNoise);
    }
}
