package org.diffusion4j.sample;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.backend.StepScope;
import org.diffusion4j.denoise.Denoiser;
import org.diffusion4j.grid.Grid;

/**
 * The one loop every step-wise sampler runs in — Gaussian samplers over a grid of EDM levels σ̃, phase-space
 * integrators and restoration–degradation over process times t. It owns what every sampler needs and none should
 * write again: the state's native memory (each step in its own {@link StepScope}, so a loop of any length holds only
 * its current state and history), the step callback (fired at the first model call of each step), the per-sample
 * noise, a bounded history of arrays kept from earlier steps, and the NaN/∞ check of every new state, which names the
 * sampler, the step and its levels.
 *
 * <p>A sampler supplies only its {@link Update}: from the step's state to the next level's, reading the levels,
 * the model and the history from the {@link Step}.
 *
 * @param sampler the sampler's name, for errors
 * @param levels the decreasing levels to walk
 * @param history how many earlier steps' remembered arrays a step can read ({@link Step#previous})
 */
public record StepLoop(String sampler, Levels levels, int history) {

    public StepLoop {
        if (history < 0) {
            throw new InvalidArgumentException("a step loop's history depth must be non-negative, got " + history);
        }
    }

    /** A step loop over the σ̃ levels of {@code grid}. */
    public static StepLoop over(String sampler, Grid grid, int history) {
        return new StepLoop(sampler, new Levels("σ", grid.sigmas()), history);
    }

    /**
     * The levels a loop walks and the name of their variable ("σ" for EDM levels, "t" for process times), used in
     * messages.
     */
    public record Levels(String variable, double[] values) {
        public Levels {
            if (values.length < 2) {
                throw new InvalidArgumentException("a sampling run needs at least two levels, got " + values.length);
            }
            values = values.clone();
        }

        /** Number of steps. */
        public int steps() {
            return values.length - 1;
        }

        /** Level {@code j}. */
        public double value(int j) {
            return values[j];
        }
    }

    /** What a step calls: the denoiser (absent for samplers with a model of their own) and the noise. */
    public record Model(Denoiser denoiser, NoiseSource noise) {
        /** No denoiser: the sampler calls its own model and reports it through {@link Step#observe}. */
        public static Model ownModel(NoiseSource noise) {
            return new Model(null, noise);
        }
    }

    /** One sampler update. */
    @FunctionalInterface
    public interface Update {
        /** The state at {@code step.next()} from {@code x} at {@code step.sigma()}; may live in the step's scope. */
        NDArray apply(Step step, NDArray x);
    }

    /**
     * Runs {@code update} for every step from {@code input} at the first level. The result belongs to the manager
     * of {@code input}; {@code input} itself is left untouched.
     */
    public NDArray run(NDArray input, Model model, StepCallback callback, Update update) {
        NDManager owner = input.getManager();
        try (NDManager home = owner.newSubManager()) {
            NDArray x = input.duplicate();
            x.attach(home);
            Map<String, List<NDArray>> kept = new LinkedHashMap<>();
            for (int i = 0; i < levels.steps(); i++) {
                try (StepScope scope = StepScope.open(home, carried(x, kept))) {
                    Step step = new Step(i, levels, model, callback, kept);
                    x = scope.keep(requireFinite(update.apply(step, x), i));
                    kept = step.nextHistory(history);
                    kept.values().forEach(list -> list.forEach(scope::keep));
                }
            }
            x.attach(owner);
            return x;
        }
    }

    private static NDArray[] carried(NDArray x, Map<String, List<NDArray>> kept) {
        List<NDArray> all = new ArrayList<>();
        all.add(x);
        kept.values().forEach(all::addAll);
        return all.toArray(NDArray[]::new);
    }

    private NDArray requireFinite(NDArray x, int i) {
        boolean nan = x.isNaN().any().getBoolean();
        boolean inf = !nan && x.isInfinite().any().getBoolean();
        if (nan || inf) {
            String v = levels.variable();
            throw new NonFiniteSampleException(String.format(
                    "sampler %s produced %s values at step %d of %d (%s %.6g → %.6g)", sampler,
                    nan ? "NaN" : "infinite", i + 1, levels.steps(), v, levels.value(i), levels.value(i + 1)));
        }
        return x;
    }
}
