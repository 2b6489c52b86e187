package org.diffusion4j.bridge;

import ai.djl.ndarray.NDArray;
import org.diffusion4j.backend.Scalars;

/**
 * One first-order bridge update from time s down to t < s as its coefficients:
 * x_t = x·x_s + data·x̂₀ + prior·x₁ + noise·ξ, ξ standard normal, x̂₀ the data prediction at (x_s, s). Both integrate
 * the linear part of their differential equation exactly (Bridge-TTS's sampling scheme; DBIM's form for the ODE).
 *
 * @param x the coefficient of the current state
 * @param data the coefficient of the data prediction
 * @param prior the coefficient of the prior
 * @param noise the standard deviation of the fresh noise
 */
public record BridgeStep(double x, double data, double prior, double noise) {

    /**
     * The bridge SDE's step, posterior sampling on the reference process's bridge from x̂₀: with r = σ_t²/σ_s²,
     * x_t = (α_t/α_s)·r·x_s + α_t·(1 − r)·x̂₀ + α_t·σ_t·√(1 − r)·ξ, the noise scaled by {@code noiseScale} (1: the
     * exact transition; Bridge-TTS's temperature τ_b = 2 reads as 1/√2 if N(0, τ_b⁻¹I) is the noise's law and as
     * ½ in the reimplementation that divides ξ by τ_b).
     */
    public static BridgeStep sde(BridgeSchedule schedule, double s, double t, double noiseScale) {
        double r = schedule.sigma2(t) / schedule.sigma2(s);
        double alphaT = schedule.alpha(t);
        return new BridgeStep(alphaT / schedule.alpha(s) * r, alphaT * (1 - r), 0,
                noiseScale * alphaT * Math.sqrt(schedule.sigma2(t) * (1 - r)));
    }

    /**
     * The bridge ODE's step: with k = c_t/c_s = α_t·σ_t·σ̄_t/(α_s·σ_s·σ̄_s), x_t = k·x_s + (a_t − k·a_s)·x̂₀ +
     * (b_t − k·b_s)·x₁: a state on the marginal's path a·x₀ + b·x₁ + c·ε stays on it, with the same ε, when
     * x̂₀ = x₀. Needs s &lt; 1 (σ̄_s &gt; 0).
     */
    public static BridgeStep ode(BridgeSchedule schedule, double s, double t) {
        BridgeSchedule.Marginal from = schedule.marginal(s);
        BridgeSchedule.Marginal to = schedule.marginal(t);
        if (!(from.c() > 0)) {
            throw new IllegalArgumentException("the bridge ODE cannot start where the bridge has no noise, t = " + s);
        }
        double k = to.c() / from.c();
        return new BridgeStep(k, to.a() - k * from.a(), to.b() - k * from.b(), 0);
    }

    /**
     * The update applied to arrays ({@code fresh} may be null when the step has no noise); autograd-safe, so an
     * attack can differentiate through a sampler.
     */
    public NDArray apply(NDArray current, NDArray dataPrediction, NDArray priorPoint, NDArray fresh) {
        NDArray next = Scalars.times(current, x).add(Scalars.times(dataPrediction, data));
        if (prior != 0) {
            // the coefficient first: a product in the prior point's manager would outlive a sampler's step
            next = next.add(Scalars.of(current, prior).mul(priorPoint));
        }
        if (noise != 0) {
            next = next.add(Scalars.times(fresh, noise));
        }
        return next;
    }
}
