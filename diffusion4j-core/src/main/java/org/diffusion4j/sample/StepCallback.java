package org.diffusion4j.sample;

/** Sees every step of a sampling run (progress bars, trajectories, previews). */
@FunctionalInterface
public interface StepCallback {

    /** Called once per step, after the step's first denoiser call. */
    void onStep(StepInfo info);

    /** A callback that does nothing. */
    StepCallback NONE = info -> { };
}
