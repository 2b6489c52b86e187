package org.diffusion4j.sample;

import ai.djl.ndarray.NDArray;
import org.diffusion4j.InvalidArgumentException;

/**
 * The split of an ancestral step from σ to σ' into a deterministic move down to σ_down and fresh noise of scale
 * σ_up, with σ_down² + σ_up² = σ'² (k-diffusion's {@code get_ancestral_step}). With η = 1, σ_up² is the variance of
 * the DDPM posterior q(x_{σ'} | x_σ, x_0) in the EDM view, σ'²(σ² − σ'²)/σ²; η scales it, η = 0 is deterministic.
 */
public record AncestralStep(double down, double up) {

    /** The split from σ to σ' with noise scale η (η ≥ 0). */
    public static AncestralStep of(double sigma, double sigmaNext, double eta) {
        if (eta == 0) {
            return new AncestralStep(sigmaNext, 0);
        }
        double up = Math.min(sigmaNext,
                eta * Math.sqrt(sigmaNext * sigmaNext * (sigma * sigma - sigmaNext * sigmaNext) / (sigma * sigma)));
        return new AncestralStep(Math.sqrt(sigmaNext * sigmaNext - up * up), up);
    }

    /** {@code x + σ_up·s_noise·z} with z drawn for the step's move, when the step lands above σ = 0. */
    NDArray addNoise(Step step, NDArray x, double sNoise) {
        return step.next() > 0 && up > 0 ? x.add(step.noise(x, step.sigma(), step.next()).mul(sNoise * up)) : x;
    }

    static double checkEta(double eta) {
        if (!(eta >= 0) || Double.isInfinite(eta)) {
            throw new InvalidArgumentException("eta must be a finite number ≥ 0, got " + eta);
        }
        return eta;
    }
}
