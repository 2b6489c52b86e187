package org.diffusion4j;

/** Arrays whose shapes do not fit together, e.g. a mixture of dimension 2 and samples with 3 values each. */
public final class ShapeMismatchException extends DiffusionException {
    private static final long serialVersionUID = 1L;

    public ShapeMismatchException(String message) {
        super(message);
    }
}
