package org.diffusion4j.process;

import org.diffusion4j.train.Trainer;

/** A class of a low layer (process) that uses the training layer: {@code LayeringTest} must refuse it. */
public final class LayerViolationFixture {
    private LayerViolationFixture() {}

    /** Names a training class, which a process may not. */
    public static String upward() {
        return Trainer.class.getSimpleName();
    }
}
