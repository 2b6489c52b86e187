package org.diffusion4j.sample;

import ai.djl.ndarray.NDArray;
import org.diffusion4j.denoise.Denoiser;
import org.diffusion4j.grid.Grid;

/**
 * A sampler written as its update from one level of the grid to the next, the way the papers state them; the shared
 * {@link StepLoop} runs it (memory, callback, noise, history, NaN check). Implementations hold only parameters.
 */
public interface SteppedSampler extends Sampler {

    /** The state at {@code step.next()} from {@code x} at {@code step.sigma()}. */
    NDArray step(Step step, NDArray x);

    /** How many earlier steps' remembered arrays the update reads (multistep methods). */
    default int history() {
        return 0;
    }

    @Override
    default NDArray sample(Denoiser denoiser, NDArray x, Grid grid, NoiseSource noise, StepCallback callback) {
        return StepLoop.over(name(), grid, history()).run(x, new StepLoop.Model(denoiser, noise), callback,
                this::step);
    }
}
