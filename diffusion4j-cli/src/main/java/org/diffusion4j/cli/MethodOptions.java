package org.diffusion4j.cli;

import java.util.List;
import java.util.Map;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.UnknownNameException;
import picocli.CommandLine.Model.CommandSpec;

/** The options that belong to one {@code --method} of a command, and the refusal of another method's. */
final class MethodOptions {
    private MethodOptions() {}

    /**
     * Fails unless {@code method} is one of {@code own}'s keys and the command line gives no option that {@code own}
     * lists for another method.
     */
    static void check(CommandSpec spec, String method, Map<String, List<String>> own, List<String> methods) {
        if (!own.containsKey(method)) {
            throw new UnknownNameException("--method", method, methods);
        }
        own.forEach((other, options) -> {
            if (!other.equals(method)) {
                for (String option : options) {
                    if (spec.commandLine().getParseResult().hasMatchedOption(option)) {
                        throw new InvalidArgumentException(option + " is an option of --method " + other
                                + ", not of --method " + method);
                    }
                }
            }
        });
    }
}
