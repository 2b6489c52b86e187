package org.diffusion4j.backend;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * The native memory of one step of a loop (a sampler step, an ODE step, a training step). Arrays carried in from
 * the previous step and every array created during the step are freed when the scope closes, except those the
 * step {@link #keep keeps} for the next one. A loop of any length therefore holds only its current state.
 *
 * <pre>{@code
 * try (StepScope step = StepScope.open(home, x, previous)) {
 *     NDArray denoised = denoiser.denoise(x, sigma);
 *     x = step.keep(x.add(...));
 *     previous = step.keep(denoised);
 * }
 * }</pre>
 *
 * Operations put their result in the manager of their first operand, so the carried state (moved into the scope)
 * or another array of the step must be the first operand of the step's arithmetic: an array from outside the loop
 * (an observation, a prior) as first operand puts the result outside the scope, where it outlives the step.
 *
 * <p>Opening a step is also where the engine's thread policy is applied ({@link EngineThreads#beforeStep}): every
 * loop over steps runs in these scopes, so every loop follows the policy.
 */
public final class StepScope implements AutoCloseable {
    private final NDManager home;
    private final NDManager local;

    private StepScope(NDManager home) {
        this.home = home;
        this.local = home.newSubManager();
    }

    /**
     * Opens a step below {@code home} and moves the carried {@code state} into it ({@code null}s are skipped). Each
     * state array must belong to {@code home}: it is freed when the step closes unless kept again.
     */
    public static StepScope open(NDManager home, NDArray... state) {
        EngineThreads.beforeStep();
        StepScope scope = new StepScope(home);
        for (NDArray array : state) {
            if (array != null) {
                if (array.getManager() != home) {
                    scope.local.close();
                    throw new IllegalStateException("carried state must belong to the loop's manager");
                }
                array.attach(scope.local);
            }
        }
        return scope;
    }

    /** The step's own manager, for arrays created from Java data during the step. */
    public NDManager manager() {
        return local;
    }

    /** Keeps {@code array} alive after this step: it moves to the loop's manager. Returns it. */
    public NDArray keep(NDArray array) {
        array.attach(home);
        return array;
    }

    @Override
    public void close() {
        local.close();
    }
}
