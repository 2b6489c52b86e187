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

    /**
     * What a user should read for {@code error}: the message of the first diffusion4j error in its cause chain, or
     * the error itself when there is none (a defect, shown as is).
     */
    public static String messageFor(Throwable error) {
        Throwable cause = error;
        while (!(cause instanceof DiffusionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause instanceof DiffusionException ? cause.getMessage() : error.toString();
    }
}
