package org.diffusion4j.grid;

import org.diffusion4j.InvalidArgumentException;

/** A grid that samplers cannot walk: not strictly decreasing, negative, not finite, or too short. */
public final class InvalidGridException extends InvalidArgumentException {
    private static final long serialVersionUID = 1L;

    public InvalidGridException(String message) {
        super(message);
    }
}
