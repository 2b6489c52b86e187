package org.diffusion4j.nonlinear;

import ai.djl.ndarray.NDArray;
import org.diffusion4j.nonlinear.RestorationDegradation.DriftPoint;
import org.diffusion4j.sample.StepCallback;
import org.diffusion4j.sample.StepLoop;

/**
 * Deterministic sampling of a forward SDE by restoration–degradation steps (Chen, Daras &amp; Dimakis 2023) along
 * decreasing times t_0 &gt; t_1 &gt; … &gt; t_N ≥ 0, each step looking back η = {@link LookBack#eta}(t, δ).
 *
 * <p>Consistency needs η → 0 and δ/η → 0 for the {@link DriftPoint#RESTORED} drift, whose step error
 * δ·(δ/(8η)·g²s − ½η·f′·(g²s − f)) makes the global error O(η + δ/η), so at best O(√δ) with η ∝ √δ. With the drift
 * frozen at the current iterate ({@link DriftPoint#CURRENT}) only the δ/(8η) term remains, and restoring to the data
 * (η = t) gives first-order convergence to the probability-flow solution, as DDIM does for linear processes.
 *
 * @param lookBack the look-back rule
 * @param point where degradation evaluates the drift
 */
public record RestorationDegradationSampler(LookBack lookBack, DriftPoint point) implements NonlinearSampler {

    /** How far back restoration looks from time t for a step δ; clipped to [δ, t]. */
    @FunctionalInterface
    public interface LookBack {
        double eta(double t, double delta);

        /** Restore to the data: η = t. */
        static LookBack toData() {
            return (t, delta) -> t;
        }

        /**
         * η = c·√(δ·t), the geometric mean of the step and the time (times c): η/t and δ/η both go as √(δ/t), so the
         * paper's limit (η → 0, δ/η → 0) is reached as the steps shrink relative to t, whatever the time units.
         */
        static LookBack geometric(double c) {
            return (t, delta) -> c * Math.sqrt(delta * t);
        }

        /** η = c·δ^p. */
        static LookBack power(double c, double p) {
            return (t, delta) -> c * Math.pow(delta, p);
        }
    }

    @Override
    public String name() {
        return "restoration-degradation";
    }

    /** The steps down to t = 0 with the model's score; the last step (δ = t, so η = t) restores to the data. */
    @Override
    public NDArray sample(SineDriftProcess process, NonlinearPrediction.Field model, NDArray x, double[] times,
            StepCallback callback) {
        NonlinearSampler.checkTimes(times);
        return sample(process, model.score(), x, times, callback);
    }

    /** Runs the steps from {@code times[0]} to {@code times[N]}; x is returned in its own manager. */
    public NDArray sample(ForwardSde sde, ScoreField score, NDArray x, double[] times) {
        return sample(sde, score, x, times, StepCallback.NONE);
    }

    /**
     * Runs the steps from {@code times[0]} to {@code times[N]} in the shared {@link StepLoop} (memory, NaN check,
     * {@code callback} at each step's first score call); x is returned in its own manager.
     */
    public NDArray sample(ForwardSde sde, ScoreField score, NDArray x, double[] times, StepCallback callback) {
        NonlinearSampler.checkDecreasing(times);
        return NonlinearSampler.run(name(), times, x, callback, (step, state) -> {
            double t = step.sigma();
            double delta = t - step.next();
            double eta = Math.min(t, Math.max(delta, lookBack.eta(t, delta)));
            return RestorationDegradation.step(sde, NonlinearSampler.observed(score, step), state, t, eta, delta,
                    point);
        });
    }
}
