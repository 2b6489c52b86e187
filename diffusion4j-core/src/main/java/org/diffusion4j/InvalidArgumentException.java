package org.diffusion4j;

/** A value outside its valid range: a negative noise level, an unknown option value, a step count of zero. */
public class InvalidArgumentException extends DiffusionException {
    private static final long serialVersionUID = 1L;

    public InvalidArgumentException(String message) {
        super(message);
    }
}
