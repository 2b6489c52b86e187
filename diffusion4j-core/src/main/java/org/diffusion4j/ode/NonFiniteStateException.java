package org.diffusion4j.ode;

import org.diffusion4j.DiffusionException;

/**
 * The vector field returned NaN or infinity, so the solver's error estimate is not finite and no step size can
 * help.
 */
public final class NonFiniteStateException extends DiffusionException {
    private static final long serialVersionUID = 1L;

    private final double time;
    private final int accepted;

    public NonFiniteStateException(double time, double step, int accepted) {
        super("Dormand–Prince: non-finite error estimate at t = " + time + " (step " + step + ", after " + accepted
                + " accepted steps); the vector field returned NaN or infinity");
        this.time = time;
        this.accepted = accepted;
    }

    /** The time of the last finite state. */
    public double time() {
        return time;
    }

    /** The steps accepted before the failure. */
    public int accepted() {
        return accepted;
    }
}
