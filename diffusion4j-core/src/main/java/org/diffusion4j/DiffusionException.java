package org.diffusion4j;

/**
 * Base of every error diffusion4j raises for bad input or a failed computation. The message always says what
 * was expected and what was found, so the command-line tool can print it without a stack trace.
 */
public class DiffusionException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public DiffusionException(String message) {
        super(message);
    }

    public DiffusionException(String message, Throwable cause) {
        super(message, cause);
    }
}
