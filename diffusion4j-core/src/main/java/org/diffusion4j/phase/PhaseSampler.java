package org.diffusion4j.phase;

import ai.djl.ndarray.NDArray;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.sample.NoiseSource;
import org.diffusion4j.sample.StepCallback;
import org.diffusion4j.sample.StepLoop;

/**
 * An integrator of a phase-space process backwards in time, walking a decreasing list of process times: of the
 * probability flow {@code dz/dt = F_t z − ½G_tG_tᵀ·s(z, t)}, or (stochastic ones) of the reverse SDE
 * {@code dz = [F_t z − G_tG_tᵀ·s] dt + G_t dW̄}. Steps run in the shared {@link StepLoop}; stochastic steps draw
 * from a {@link NoiseSource} asked with the step's two times in place of noise levels.
 */
public interface PhaseSampler {

    /** The name in tables. */
    String name();

    /** One step from time t down to s &lt; t; the result may live in the step's scope (the loop keeps it). */
    NDArray step(Psld process, PhaseScore score, NDArray z, double t, double s, NoiseSource noise);

    /** Score evaluations per step. */
    default int evaluationsPerStep() {
        return 1;
    }

    /** Whether steps draw noise. */
    default boolean isStochastic() {
        return false;
    }

    /** A deterministic integration of z from {@code times[0]} down to the last time. */
    default NDArray sample(Psld process, PhaseScore score, NDArray z, double[] times) {
        return sample(process, score, z, times, NoiseSource.NONE);
    }

    /** Integrates z from {@code times[0]} down to the last time; the result belongs to z's manager. */
    default NDArray sample(Psld process, PhaseScore score, NDArray z, double[] times, NoiseSource noise) {
        return sample(process, score, z, times, noise, StepCallback.NONE);
    }

    /**
     * Integrates z from {@code times[0]} down to the last time in the shared {@link StepLoop} (memory, NaN check,
     * callback at the first score call of each step); the result belongs to z's manager.
     */
    default NDArray sample(Psld process, PhaseScore score, NDArray z, double[] times, NoiseSource noise,
            StepCallback callback) {
        for (int i = 1; i < times.length; i++) {
            if (!(times[i] < times[i - 1] && times[i] > 0)) {
                throw new InvalidArgumentException("phase-space times must decrease and stay positive, got "
                        + times[i - 1] + " then " + times[i] + " at index " + i);
            }
        }
        return new StepLoop(name(), new StepLoop.Levels("t", times), 0).run(z, StepLoop.Model.ownModel(noise),
                callback, (step, state) -> step(process, (x, t) -> {
                    NDArray s = score.score(x, t);
                    step.observe(x, t, s);
                    return s;
                }, state, step.sigma(), step.next(), noise));
    }

    /** PSLD's quadratic grid of {@code steps} steps from t = 1 down to {@code end}: dense near the data. */
    static double[] quadraticTimes(int steps, double end) {
        double[] t = new double[steps + 1];
        for (int i = 0; i <= steps; i++) {
            double u = 1 - (double) i / steps;
            t[i] = end + (1 - end) * u * u;
        }
        return t;
    }

    /** The probability-flow drift F_t z − ½G_tG_tᵀ s at (z, t). */
    static NDArray drift(Psld process, PhaseScore score, NDArray z, double t) {
        Matrix2 half = process.diffusionSquared(t).times(0.5);
        return PhaseState.apply(process.drift(t), z).sub(PhaseState.apply(half, score.score(z, t)));
    }
}
