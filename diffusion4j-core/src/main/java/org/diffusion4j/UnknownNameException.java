package org.diffusion4j;

import java.util.Collection;

/** A name (sampler, process, grid, option) that no registry knows; the message lists the known names. */
public final class UnknownNameException extends DiffusionException {
    private static final long serialVersionUID = 1L;

    public UnknownNameException(String kind, String name, Collection<String> known) {
        super("unknown " + kind + " '" + name + "'; known " + kind + "s: " + String.join(", ", known));
    }

    /** An error whose message, which lists the known names, is already composed ({@link SpecOptions#choice}). */
    UnknownNameException(String message) {
        super(message);
    }
}
