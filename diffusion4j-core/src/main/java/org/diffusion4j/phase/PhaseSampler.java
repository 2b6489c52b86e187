package org.diffusion4j.phase;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.backend.StepScope;

/**
 * A deterministic integrator of a phase-space probability flow {@code dz/dt = F_t z − ½G_tG_tᵀ·s(z, t)}, walking a
 * decreasing list of process times. Each step runs in its own native-memory scope.
 */
public interface PhaseSampler {

    /** The name in tables. */
    String name();

    /** One step from time t down to s &lt; t; the result may live in the step's scope (the loop keeps it). */
    NDArray step(Psld process, PhaseScore score, NDArray z, double t, double s);

    /** Integrates z from {@code times[0]} down to the last time; the result belongs to z's manager. */
    default NDArray sample(Psld process, PhaseScore score, NDArray z, double[] times) {
        for (int i = 1; i < times.length; i++) {
            if (!(times[i] < times[i - 1] && times[i] > 0)) {
                throw new InvalidArgumentException("phase-space times must decrease and stay positive, got "
                        + times[i - 1] + " then " + times[i] + " at index " + i);
            }
        }
        NDManager home = z.getManager().newSubManager();
        NDArray state = z.duplicate();
        state.attach(home);
        try {
            for (int i = 0; i + 1 < times.length; i++) {
                try (StepScope scope = StepScope.open(home, state)) {
                    state = scope.keep(step(process, score, state, times[i], times[i + 1]));
                }
            }
            state.attach(z.getManager());
            return state;
        } finally {
            home.close();
        }
    }

    /** The probability-flow drift F_t z − ½G_tG_tᵀ s at (z, t). */
    static NDArray drift(Psld process, PhaseScore score, NDArray z, double t) {
        Matrix2 half = process.diffusionSquared(t).times(0.5);
        return PhaseState.apply(process.drift(t), z).sub(PhaseState.apply(half, score.score(z, t)));
    }
}
