package org.diffusion4j.sample;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.diffusion4j.backend.StepScope;
import org.diffusion4j.grid.Grid;

/**
 * The memory and sanity discipline shared by every sampler's loop: the state lives in a manager of the loop, each
 * step runs in its own {@link StepScope}, and the new state is checked for NaN and infinity before it is kept.
 *
 * <pre>{@code
 * try (SamplingLoop loop = new SamplingLoop(name(), x, grid)) {
 *     NDArray x = loop.start();
 *     for (int i = 0; i < grid.steps(); i++) {
 *         try (SamplingLoop.Step step = loop.step(i, x)) {
 *             ...
 *             x = step.advance(xNext);
 *         }
 *     }
 *     return loop.finish(x);
 * }
 * }</pre>
 */
final class SamplingLoop implements AutoCloseable {
    private final String sampler;
    private final NDArray input;
    private final Grid grid;
    private final NDManager home;

    SamplingLoop(String sampler, NDArray input, Grid grid) {
        this.sampler = sampler;
        this.input = input;
        this.grid = grid;
        this.home = input.getManager().newSubManager();
    }

    /** The loop's own copy of the input state. */
    NDArray start() {
        NDArray copy = input.duplicate();
        copy.attach(home);
        return copy;
    }

    /** Opens step {@code i}, moving the carried {@code state} into it. */
    Step step(int i, NDArray... state) {
        return new Step(i, StepScope.open(home, state));
    }

    /** Hands the final state to the caller's manager. */
    NDArray finish(NDArray x) {
        x.attach(input.getManager());
        return x;
    }

    @Override
    public void close() {
        home.close();
    }

    /** One step of the loop. */
    final class Step implements AutoCloseable {
        private final int index;
        private final StepScope scope;

        private Step(int index, StepScope scope) {
            this.index = index;
            this.scope = scope;
        }

        /** Keeps an auxiliary array (a history entry) for later steps. */
        NDArray keep(NDArray array) {
            return scope.keep(array);
        }

        /** Checks the step's new state for NaN or infinity, then keeps it. */
        NDArray advance(NDArray x) {
            boolean nan = x.isNaN().any().getBoolean();
            boolean inf = !nan && x.isInfinite().any().getBoolean();
            if (nan || inf) {
                throw new NonFiniteSampleException(String.format(
                        "sampler %s produced %s values at step %d of %d (σ %.6g → %.6g)", sampler,
                        nan ? "NaN" : "infinite", index + 1, grid.steps(), grid.sigma(index),
                        grid.sigma(index + 1)));
            }
            return scope.keep(x);
        }

        @Override
        public void close() {
            scope.close();
        }
    }
}
