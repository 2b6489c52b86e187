package org.diffusion4j.nonlinear;

import ai.djl.ndarray.NDArray;
import org.diffusion4j.InvalidArgumentException;

/**
 * The element-wise non-linear forward process {@code dX = −(X + a·sin 2X) dt + g dB} on [0, T], each coordinate on its
 * own: the drift is the gradient flow of {@code U(x) = x²/2 − (a/2)·cos 2x}, so the process forgets its start and
 * settles to the stationary density {@code π(x) ∝ exp(−2U(x)/g²)}, which is its prior. With a = 0 it is the
 * Ornstein–Uhlenbeck process (a VP process); for a ≠ 0 its transition densities are not Gaussian and are tabulated
 * ({@link TransitionTable}). Data live in [−1, 1] (images), on {@code levels} equally spaced values.
 *
 * @param a the strength of the non-linear part, |a| &lt; 1 (a = ½: f′ ranges over [−2, 0])
 * @param diffusionSquared g², constant
 * @param horizon T, the last time (where sampling starts from π)
 * @param minTime the first tabulated and the last sampled time before the final restoration to t = 0
 * @param levels the data values −1 + 2i/(levels − 1) the transition table starts from (256: 8-bit images)
 * @param times the number of tabulated times, log-spaced on [minTime, horizon]
 */
public record SineDriftProcess(double a, double diffusionSquared, double horizon, double minTime, int levels,
        int times) implements ForwardSde {

    public SineDriftProcess {
        if (!(Math.abs(a) < 1)) {
            throw new InvalidArgumentException("nonlinear.a must be in (−1, 1), got " + a);
        }
        if (!(diffusionSquared > 0 && Double.isFinite(diffusionSquared))) {
            throw new InvalidArgumentException("nonlinear.diffusion_squared must be positive, got "
                    + diffusionSquared);
        }
        if (!(minTime > 0 && minTime < horizon && Double.isFinite(horizon))) {
            throw new InvalidArgumentException("nonlinear.min_time must be positive and below nonlinear.horizon, got "
                    + minTime + " and " + horizon);
        }
        if (levels < 2) {
            throw new InvalidArgumentException("nonlinear.levels must be at least 2, got " + levels);
        }
        if (times < 2) {
            throw new InvalidArgumentException("nonlinear.times must be at least 2, got " + times);
        }
    }

    /** The MNIST process: a = ½, g² = 2, T = 6, t from 2·10⁻³, 256 levels, 128 tabulated times. */
    public static SineDriftProcess mnist() {
        return new SineDriftProcess(0.5, 2, 6, 2e-3, 256, 128);
    }

    /** f(x) = −x − a·sin 2x. */
    public double drift(double x) {
        return -x - a * Math.sin(2 * x);
    }

    /** f′(x) = −1 − 2a·cos 2x. */
    public double driftDerivative(double x) {
        return -1 - 2 * a * Math.cos(2 * x);
    }

    /** ln π(x) up to its constant: −2U(x)/g². */
    public double logStationary(double x) {
        return -2 * (0.5 * x * x - 0.5 * a * Math.cos(2 * x)) / diffusionSquared;
    }

    @Override
    public NDArray drift(NDArray x, double t) {
        return x.neg().sub(x.mul(2).sin().mul(a));
    }

    @Override
    public double diffusion(double t) {
        return Math.sqrt(diffusionSquared);
    }

    /**
     * The network's output scale at time t, {@code σ̄(t) = √(g²(1 − e^{−2t})/2)}: the standard deviation of the
     * Ornstein–Uhlenbeck process with the same g from a point start. The network predicts {@code −σ̄(t)·∇ log q_t},
     * which is ε for a = 0.
     */
    public double outputScale(double t) {
        return Math.sqrt(diffusionSquared * -Math.expm1(-2 * t) / 2);
    }

    /** The value of data level i. */
    public double level(int i) {
        return -1 + 2.0 * i / (levels - 1);
    }

    /** The nearest data level of x (clamped to [−1, 1]). */
    public int nearestLevel(double x) {
        long i = Math.round((x + 1) / 2 * (levels - 1));
        return (int) Math.min(Math.max(i, 0), levels - 1);
    }

    /** Tabulated time k, log-spaced from {@code minTime} (k = 0) to {@code horizon} (k = times − 1). */
    public double tabulatedTime(int k) {
        if (k == times - 1) {
            return horizon;
        }
        return minTime * Math.pow(horizon / minTime, k / (double) (times - 1));
    }

    /** The tabulated time that a uniform variate u in [0, 1) picks: each with probability 1/times. */
    public int tabulatedIndex(double u) {
        return (int) Math.min(Math.max(Math.floor(u * times), 0), times - 1);
    }
}
