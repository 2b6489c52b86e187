package org.diffusion4j.reward;

import org.diffusion4j.DiffusionException;

/** A reward could not score a batch: an external command failed, timed out or answered with the wrong count. */
public final class RewardException extends DiffusionException {
    public RewardException(String message) {
        super(message);
    }

    public RewardException(String message, Throwable cause) {
        super(message, cause);
    }
}
