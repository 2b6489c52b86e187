package org.diffusion4j.nonlinear;

import ai.djl.ndarray.NDArray;
import org.diffusion4j.InvalidArgumentException;

/**
 * One deterministic step of the restoration–degradation view of Chen, Daras &amp; Dimakis (2023), "Restoration-
 * Degradation Beyond Linear Diffusions", which reads a probability-flow step as two moves on the forward process
 * {@code dX = f_t(X) dt + g_t dB}:
 * <ol>
 *   <li>restoration: one gradient-ascent step on {@code y ↦ log q_{t−η|t}(y | x)}, started at x with step η·g_t²,
 *       which to first order is {@code y = x + η·(g_t²·s_t(x) − f_t(x))};</li>
 *   <li>degradation: the forward process from y over [t − η, t − δ] driven by the noise that carries y to x,
 *       {@code z* = (x − y − η·f)/(g√η)}, {@code x′ = y + (η − δ)·f + g√(η − δ)·z*}, i.e.
 *       {@code x′ = y + (η − δ)·f + √(1 − δ/η)·(x − y − η·f)} (g cancels).</li>
 * </ol>
 * With r = √(1 − δ/η), the step is {@code x′ = x − δ·f + (1 − r)·η·g²·s} when f is the same in both moves, and
 * (1 − r)·η = δ/2 + δ²/(8η) + …: the probability-flow Euler step {@code x − δ·(f − ½g²s)} is the limit η → 0,
 * δ/η → 0. Where the degradation evaluates f is a choice ({@link DriftPoint}); the paper's Euler–Maruyama degradation
 * from y uses f_{t−η}(y), which adds −½·δ·η·f′·(g²s − f) to the step.
 *
 * <p>For a linear process restoration can go all the way back to the data: {@link #tweedieStep} is the exact
 * version of both moves, which is DDIM (Song, Meng &amp; Ermon 2021, eq. 12 with σ = 0).
 */
public final class RestorationDegradation {
    private RestorationDegradation() {}

    /** Where the degradation move evaluates the drift. */
    public enum DriftPoint {
        /** f_{t−η}(y): Euler–Maruyama from the restored point, as the paper writes the degradation. */
        RESTORED,
        /** f_t(x): the drift frozen at the current iterate; the step is then exactly x − δf + (1 − r)ηg²s. */
        CURRENT
    }

    /**
     * The RD step from time t to t − δ with look-back η.
     *
     * @param eta how far back restoration looks, δ ≤ η ≤ t
     * @param delta the step, 0 &lt; δ ≤ η
     */
    public static NDArray step(ForwardSde sde, ScoreField score, NDArray x, double t, double eta, double delta,
            DriftPoint point) {
        if (!(delta > 0 && delta <= eta && eta <= t)) {
            throw new InvalidArgumentException("a restoration-degradation step needs 0 < δ ≤ η ≤ t, got δ = " + delta
                    + ", η = " + eta + ", t = " + t);
        }
        double g = sde.diffusion(t);
        NDArray drift = sde.drift(x, t);
        NDArray y = x.add(score.score(x, t).mul(g * g).sub(drift).mul(eta));
        NDArray f = point == DriftPoint.RESTORED ? sde.drift(y, t - eta) : drift;
        NDArray pointingBack = x.sub(y).sub(f.mul(eta));
        return y.add(f.mul(eta - delta)).add(pointingBack.mul(Math.sqrt(1 - delta / eta)));
    }

    /** The probability-flow ODE's Euler step from t to t − δ: {@code x − δ·(f_t(x) − ½g_t²·s_t(x))}. */
    public static NDArray probabilityFlowEulerStep(ForwardSde sde, ScoreField score, NDArray x, double t,
            double delta) {
        double g = sde.diffusion(t);
        return x.sub(sde.drift(x, t).sub(score.score(x, t).mul(0.5 * g * g)).mul(delta));
    }

    /**
     * The RD step of a linear process with restoration to the data by Tweedie's formula and the exact Gaussian
     * degradation from t to s &lt; t: {@code x̂_0 = (x + σ_t²·s_t(x))/α_t}, {@code ε̂ = (x − α_t·x̂_0)/σ_t},
     * {@code x_s = α_s·x̂_0 + σ_s·ε̂}. This is DDIM.
     */
    public static NDArray tweedieStep(LinearSde sde, ScoreField score, NDArray x, double t, double s) {
        if (!(s < t && s >= 0)) {
            throw new InvalidArgumentException("a Tweedie restoration-degradation step needs 0 ≤ s < t, got s = " + s
                    + ", t = " + t);
        }
        double alpha = sde.schedule().alpha(t);
        double sigma = sde.schedule().sigma(t);
        NDArray restored = x.add(score.score(x, t).mul(sigma * sigma)).div(alpha);
        NDArray noise = x.sub(restored.mul(alpha)).div(sigma);
        return restored.mul(sde.schedule().alpha(s)).add(noise.mul(sde.schedule().sigma(s)));
    }
}
