package org.diffusion4j;

import java.util.Collection;

/** A name (sampler, process, grid, option) that no registry knows; the message lists the known names. */
public final class UnknownNameException extends DiffusionException {
    private static final long serialVersionUID = 1L;

    public UnknownNameException(String kind, String name, Collection<String> known) {
        super("unknown " + kind + " '" + name + "'; known " + plural(kind) + ": " + String.join(", ", known));
    }

    /** The plural of a kind of thing: samplers, processes, classes. */
    static String plural(String kind) {
        return kind.endsWith("s") || kind.endsWith("x") || kind.endsWith("sh") || kind.endsWith("ch") ? kind + "es"
                : kind + "s";
    }

    /** An error whose message, which lists the known names, is already composed ({@link SpecOptions#choice}). */
    UnknownNameException(String message) {
        super(message);
    }
}
