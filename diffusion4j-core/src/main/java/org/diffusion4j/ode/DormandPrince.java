package org.diffusion4j.ode;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import org.diffusion4j.DiffusionException;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.backend.StepScope;

/**
 * The adaptive Dormand–Prince 5(4) Runge–Kutta method (Dormand &amp; Prince 1980; Hairer, Nørsett &amp; Wanner,
 * <i>Solving ODEs I</i>, II.4–5) over arrays, with the step control of torchdiffeq's {@code dopri5}: the error of a
 * step is the {@link ErrorNorm} of {@code err/(atol + rtol·max(|y_n|, |y_{n+1}|))}, a step is accepted when that
 * ratio is at most 1, and the next step is {@code h·min(10, max(0.9·ratio^{−1/5}, 0.2))} (no shrinking after an
 * accepted step). The first step follows Hairer's starting-step algorithm. Integrates forward or backward in t.
 *
 * @param rtol relative tolerance
 * @param atol absolute tolerance
 * @param norm how the per-element errors are combined
 * @param maxSteps give up (with an error) after this many attempted steps
 */
public record DormandPrince(double rtol, double atol, ErrorNorm norm, int maxSteps) {

    /** How per-element error ratios become one number. */
    public enum ErrorNorm {
        /** Root mean square over all elements (torchdiffeq's default). */
        RMS,
        /** The largest element: every element meets the tolerance. */
        MAX
    }

    private static final double[] C = {0, 1.0 / 5, 3.0 / 10, 4.0 / 5, 8.0 / 9, 1, 1};
    private static final double[][] A = {
        {},
        {1.0 / 5},
        {3.0 / 40, 9.0 / 40},
        {44.0 / 45, -56.0 / 15, 32.0 / 9},
        {19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729},
        {9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656},
        {35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84},
    };
    /** Fifth-order weights minus the embedded fourth-order ones. */
    private static final double[] E = {
        35.0 / 384 - 5179.0 / 57600, 0, 500.0 / 1113 - 7571.0 / 16695, 125.0 / 192 - 393.0 / 640,
        -2187.0 / 6784 + 92097.0 / 339200, 11.0 / 84 - 187.0 / 2100, -1.0 / 40,
    };

    public DormandPrince {
        if (!(rtol >= 0 && atol >= 0 && rtol + atol > 0)) {
            throw new InvalidArgumentException("tolerances must be ≥ 0 and not both 0, got rtol = " + rtol
                    + ", atol = " + atol);
        }
        if (maxSteps < 1) {
            throw new InvalidArgumentException("maxSteps must be positive, got " + maxSteps);
        }
    }

    /** torchdiffeq-like solver with RMS error norm and up to 100 000 steps. */
    public static DormandPrince withTolerance(double rtol, double atol) {
        return new DormandPrince(rtol, atol, ErrorNorm.RMS, 100_000);
    }

    /** The same solver with another error norm. */
    public DormandPrince withNorm(ErrorNorm newNorm) {
        return new DormandPrince(rtol, atol, newNorm, maxSteps);
    }

    /** The state at {@code t1} and what it cost. The state belongs to the manager of {@code y0}. */
    public record Solution(NDArray y, int evaluations, int accepted, int rejected) {}

    /** Integrates {@code dy/dt = f(t, y)} from {@code y0} at {@code t0} to {@code t1}. */
    public Solution solve(VectorField f, NDArray y0, double t0, double t1) {
        NDManager home = y0.getManager().newSubManager();
        try {
            int evaluations = 0;
            int accepted = 0;
            int rejected = 0;
            double direction = Math.signum(t1 - t0);
            NDArray y = y0.duplicate();
            y.attach(home);
            if (t0 == t1) {
                y.attach(y0.getManager());
                return new Solution(y, 0, 0, 0);
            }
            NDArray f0;
            double h;
            try (StepScope scope = StepScope.open(home, y)) {
                f0 = f.at(t0, y);
                h = direction * initialStep(f, t0, y, f0, direction);
                evaluations += 2;
                y = scope.keep(y);
                f0 = scope.keep(f0);
            }
            double t = t0;
            int attempts = 0;
            while (direction * (t1 - t) > 0) {
                if (++attempts > maxSteps) {
                    throw new DiffusionException("Dormand–Prince gave up after " + maxSteps + " steps at t = " + t
                            + " (target " + t1 + "); the problem may be stiff or the tolerance too tight");
                }
                boolean last = direction * (t + h - t1) >= 0 || Math.abs(t1 - (t + h)) < 1e-12 * Math.abs(h);
                if (last) {
                    h = t1 - t;
                }
                try (StepScope scope = StepScope.open(home, y, f0)) {
                    NDArray[] k = new NDArray[7];
                    k[0] = f0;
                    NDArray next = null;
                    for (int s = 1; s < 7; s++) {
                        NDArray stage = y;
                        for (int j = 0; j < s; j++) {
                            if (A[s][j] != 0) {
                                stage = stage.add(k[j].mul(h * A[s][j]));
                            }
                        }
                        if (s == 6) {
                            next = stage;
                        }
                        k[s] = f.at(t + C[s] * h, stage);
                        evaluations++;
                    }
                    NDArray error = k[0].mul(h * E[0]);
                    for (int s = 2; s < 7; s++) {
                        error = error.add(k[s].mul(h * E[s]));
                    }
                    NDArray tolerance = y.abs().maximum(next.abs()).mul(rtol).add(atol);
                    double ratio = normOf(error.div(tolerance));
                    if (!Double.isFinite(ratio)) {
                        throw new NonFiniteStateException(t, h, accepted);
                    }
                    if (ratio <= 1) {
                        t = last ? t1 : t + h;
                        accepted++;
                        y = scope.keep(next);
                        f0 = scope.keep(k[6]);
                    } else {
                        rejected++;
                        y = scope.keep(y);
                        f0 = scope.keep(f0);
                    }
                    h = h * stepFactor(ratio);
                }
            }
            y.attach(y0.getManager());
            return new Solution(y, evaluations, accepted, rejected);
        } finally {
            home.close();
        }
    }

    private double normOf(NDArray ratios) {
        return norm == ErrorNorm.MAX
                ? ratios.abs().max().toType(DataType.FLOAT64, false).getDouble()
                : Math.sqrt(ratios.mul(ratios).mean().toType(DataType.FLOAT64, false).getDouble());
    }

    private static double stepFactor(double ratio) {
        if (ratio == 0) {
            return 10;
        }
        double shrinkLimit = ratio < 1 ? 1 : 0.2;
        return Math.min(10, Math.max(0.9 * Math.pow(ratio, -0.2), shrinkLimit));
    }

    /** Hairer et al., Solving ODEs I, II.4: a first step with an error of about the tolerance. */
    private double initialStep(VectorField f, double t0, NDArray y0, NDArray f0, double direction) {
        NDArray scale = y0.abs().mul(rtol).add(atol);
        double d0 = normOf(y0.div(scale));
        double d1 = normOf(f0.div(scale));
        double h0 = d0 < 1e-5 || d1 < 1e-5 ? 1e-6 : 0.01 * d0 / d1;
        NDArray y1 = y0.add(f0.mul(direction * h0));
        NDArray f1 = f.at(t0 + direction * h0, y1);
        double d2 = normOf(f1.sub(f0).div(scale)) / h0;
        double h1 = Math.max(d1, d2) <= 1e-15 ? Math.max(1e-6, h0 * 1e-3) : Math.pow(0.01 / Math.max(d1, d2), 1.0 / 5);
        return Math.min(100 * h0, h1);
    }
}
