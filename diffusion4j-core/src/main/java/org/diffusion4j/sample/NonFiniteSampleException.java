package org.diffusion4j.sample;

import org.diffusion4j.DiffusionException;

/** NaN or infinite values appeared while sampling; the message names the sampler, the step and its levels. */
public final class NonFiniteSampleException extends DiffusionException {
    private static final long serialVersionUID = 1L;

    public NonFiniteSampleException(String message) {
        super(message);
    }
}
