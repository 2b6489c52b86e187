package org.diffusion4j.sample;

import ai.djl.ndarray.NDArray;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.SpecOptions;

/**
 * EDM's stochastic "churn" (Karras et al. 2022, Algorithm 2, lines 4–6): before the step from σ_i, raise the level
 * to σ̂ = σ_i·(1 + γ) by adding noise of scale √(σ̂² − σ_i²)·S_noise, with γ = min(S_churn/N, √2 − 1) when
 * S_tmin ≤ σ_i ≤ S_tmax and 0 otherwise.
 *
 * @param sChurn total churn S_churn ≥ 0 (0 turns churn off)
 * @param sTmin smallest level churned
 * @param sTmax largest level churned
 * @param sNoise noise inflation S_noise
 */
public record Churn(double sChurn, double sTmin, double sTmax, double sNoise) {
    /** No churn: the sampler is deterministic. */
    public static final Churn NONE = new Churn(0, 0, Double.POSITIVE_INFINITY, 1);

    public Churn {
        if (!(sChurn >= 0) || Double.isInfinite(sChurn) || !(sNoise >= 0) || Double.isNaN(sTmin) || Double.isNaN(sTmax)) {
            throw new InvalidArgumentException("churn needs S_churn ≥ 0 and S_noise ≥ 0, got S_churn = " + sChurn
                    + ", S_noise = " + sNoise);
        }
    }

    /** The churn of a spec's options {@code s_churn, s_tmin, s_tmax, s_noise}. */
    public static Churn of(SpecOptions options) {
        return new Churn(options.number("s_churn", 0), options.number("s_tmin", 0),
                options.number("s_tmax", Double.POSITIVE_INFINITY), options.number("s_noise", 1));
    }

    /** Whether any step can be churned. */
    public boolean active() {
        return sChurn > 0;
    }

    /** γ_i for level σ_i in a run of {@code steps} steps. */
    double gamma(double sigma, int steps) {
        return sTmin <= sigma && sigma <= sTmax ? Math.min(sChurn / steps, Math.sqrt(2) - 1) : 0;
    }

    /** The state x̂ and level σ̂ a step starts from after churn. */
    record Raised(NDArray x, double sigma) {}

    /**
     * x̂ = x + √(σ̂² − σ²)·S_noise·z at σ̂ = σ_i·(1 + γ_i), with z drawn for the move σ̂ → σ_i; (x, σ_i) when
     * γ_i = 0.
     */
    Raised raise(Step step, NDArray x) {
        double sigma = step.sigma();
        double gamma = gamma(sigma, step.steps());
        if (gamma <= 0) {
            return new Raised(x, sigma);
        }
        double sigmaHat = sigma * (gamma + 1);
        NDArray z = step.noise(x, sigmaHat, sigma);
        return new Raised(x.add(z.mul(sNoise * Math.sqrt(sigmaHat * sigmaHat - sigma * sigma))), sigmaHat);
    }
}
