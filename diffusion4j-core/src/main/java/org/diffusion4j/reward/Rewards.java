package org.diffusion4j.reward;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.SpecOptions;
import org.diffusion4j.eval.Classifier;

/**
 * The rewards by name ({@code --reward NAME[:key=value,…]}):
 * <ul>
 *   <li>{@code class-probability[:classifier=mnist|fashion]}: the bundled classifier's probability of the
 *       requested class (the classifier of the model's dataset unless named);</li>
 *   <li>{@code thickness}: mean ink;</li>
 *   <li>{@code compressibility}: minus the PNG size in kB;</li>
 *   <li>{@code region[:xmin=…,xmax=…,ymin=…,ymax=…]}: for 2-D points, 1 inside the box, 0 outside;</li>
 *   <li>{@code external:command=PATH[,timeout=SECONDS]}: a program of the user's ({@link ExternalReward} gives the
 *       protocol; the path may not contain commas).</li>
 * </ul>
 */
public final class Rewards {
    private Rewards() {}

    /** The reward names, for listings and errors. */
    public static Set<String> names() {
        return factories(null).keySet();
    }

    /**
     * The reward {@code spec} for samples of a model trained on {@code dataset} (the data's source, such as
     * {@code mnist}; used for the classifier by default, may be null).
     */
    public static Reward create(String spec, String dataset) {
        return SpecOptions.create("reward", spec, factories(dataset));
    }

    private static Map<String, Function<SpecOptions, Reward>> factories(String dataset) {
        Map<String, Function<SpecOptions, Reward>> f = new LinkedHashMap<>();
        f.put("class-probability", o -> {
            String name = o.text("classifier", dataset);
            if (name == null || !Classifier.BUNDLED.contains(name)) {
                throw new InvalidArgumentException("reward class-probability: " + (name == null ? "the model's data "
                        + "has no bundled classifier" : "no bundled classifier for '" + name + "'") + "; give "
                        + "classifier=NAME, one of " + String.join(", ", Classifier.BUNDLED));
            }
            return new ClassProbability(Classifier.bundled(name), "class-probability:classifier=" + name);
        });
        f.put("thickness", o -> new Thickness());
        f.put("compressibility", o -> new Compressibility());
        f.put("region", o -> new Region(o.number("xmin", Double.NEGATIVE_INFINITY), o.number("xmax",
                Double.POSITIVE_INFINITY), o.number("ymin", Double.NEGATIVE_INFINITY), o.number("ymax",
                Double.POSITIVE_INFINITY)));
        f.put("external", o -> {
            String given = o.text("command", null);
            String command = given;
            if (command == null || command.isBlank()) {
                throw new InvalidArgumentException("reward external needs command=PATH, a program that scores a "
                        + "batch (arguments: images .npy, classes .npy, the JSON file to write the scores to)");
            }
            if (command.contains("/")) {
                Path path = Path.of(command);
                if (!Files.isRegularFile(path)) {
                    throw new InvalidArgumentException("reward external: command " + command + ": no such file");
                }
                if (!Files.isExecutable(path)) {
                    throw new InvalidArgumentException("reward external: command " + command + " is not executable "
                            + "(chmod +x it, or name an interpreter script with a #! line)");
                }
                command = path.toAbsolutePath().toString();
            }
            int timeout = o.integer("timeout", 600);
            if (timeout <= 0) {
                throw new InvalidArgumentException("reward external: timeout must be positive seconds, got "
                        + timeout);
            }
            return new ExternalReward(command, timeout, "external:command=" + given
                    + (timeout == 600 ? "" : ",timeout=" + timeout));
        });
        return f;
    }
}
