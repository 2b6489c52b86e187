package org.diffusion4j;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * A spec such as {@code dpmpp-2m-sde:eta=0,solver=heun} or {@code blur:scale=1}: a name, optionally followed by
 * {@code key=value} options. A registry's factory reads the options it understands; any option left unread is
 * reported with the list of options that factory takes. Errors name the kind of thing ("sampler", "degradation").
 *
 * <p>Enum-valued options and names ({@link #choice}, {@link #enumByName}) are spelled as the constant's name in
 * lower case with hyphens for underscores ({@code INCREASING_DECREASING} is {@code increasing-decreasing}), and
 * matched ignoring case.
 */
public final class SpecOptions {
    private final String kind;
    private final String name;
    private final Map<String, String> values;
    private final Set<String> known = new LinkedHashSet<>();

    private SpecOptions(String kind, String name, Map<String, String> values) {
        this.kind = kind;
        this.name = name;
        this.values = new LinkedHashMap<>(values);
    }

    /** Splits {@code spec} ({@code name[:key=value,…]}) into its name and options. */
    public static SpecOptions parse(String kind, String spec) {
        String trimmed = spec.trim();
        int colon = trimmed.indexOf(':');
        String name = colon < 0 ? trimmed : trimmed.substring(0, colon);
        Map<String, String> values = new LinkedHashMap<>();
        if (colon >= 0) {
            for (String pair : trimmed.substring(colon + 1).split(",")) {
                if (pair.isBlank()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                if (eq <= 0) {
                    throw new InvalidArgumentException(kind + " " + name + ": option '" + pair
                            + "' must have the form key=value");
                }
                values.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
            }
        }
        return new SpecOptions(kind, name, values);
    }

    /**
     * The thing {@code spec} describes, built by the factory registered under its name; unknown names and options
     * that factory does not read are errors.
     */
    public static <T> T create(String kind, String spec, Map<String, Function<SpecOptions, T>> factories) {
        SpecOptions options = parse(kind, spec);
        Function<SpecOptions, T> factory = factories.get(options.name());
        if (factory == null) {
            throw new UnknownNameException(kind, options.name(), factories.keySet());
        }
        T made = factory.apply(options);
        options.checkAllRead();
        return made;
    }

    /** The spec's name. */
    public String name() {
        return name;
    }

    /** The number option {@code key}, or {@code fallback} if absent. */
    public double number(String key, double fallback) {
        String text = take(key);
        if (text == null) {
            return fallback;
        }
        try {
            return Double.parseDouble(text);
        } catch (NumberFormatException e) {
            throw invalid(key, "a number", text);
        }
    }

    /** The integer option {@code key}, or {@code fallback} if absent. */
    public int integer(String key, int fallback) {
        String text = take(key);
        if (text == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw invalid(key, "an integer", text);
        }
    }

    /** The text option {@code key}, or {@code fallback} if absent. */
    public String text(String key, String fallback) {
        String text = take(key);
        return text == null ? fallback : text;
    }

    /** The boolean option {@code key} ({@code true} or {@code false}), or {@code fallback} if absent. */
    public boolean flag(String key, boolean fallback) {
        String text = take(key);
        if (text == null) {
            return fallback;
        }
        if (!text.equals("true") && !text.equals("false")) {
            throw invalid(key, "true or false", text);
        }
        return Boolean.parseBoolean(text);
    }

    /**
     * The option {@code key} naming a constant of {@code type} (see {@link #label}), or {@code fallback} if absent;
     * an unknown name is an {@link UnknownNameException} that lists the names the option takes.
     */
    public <E extends Enum<E>> E choice(String key, Class<E> type, E fallback) {
        String text = take(key);
        if (text == null) {
            return fallback;
        }
        List<E> constants = Arrays.asList(type.getEnumConstants());
        E found = find(text, constants);
        if (found == null) {
            throw new UnknownNameException(kind + " " + name + ": option " + key + " has no value '" + text
                    + "'; it takes " + String.join(", ", labels(constants)));
        }
        return found;
    }

    /**
     * The constant of {@code type} called {@code name} (see {@link #label}); an unknown name is an
     * {@link UnknownNameException} that names the {@code kind} of thing and lists the known names.
     */
    public static <E extends Enum<E>> E enumByName(String kind, String name, Class<E> type) {
        return enumByName(kind, name, Arrays.asList(type.getEnumConstants()));
    }

    /** The one of {@code choices} called {@code name}, as {@link #enumByName(String, String, Class)}. */
    public static <E extends Enum<E>> E enumByName(String kind, String name, List<E> choices) {
        E found = find(name, choices);
        if (found == null) {
            throw new UnknownNameException(kind, name, labels(choices));
        }
        return found;
    }

    /** The name of {@code constant} in specs, configs and on the command line: lower case, hyphens for underscores. */
    public static String label(Enum<?> constant) {
        return constant.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    private static <E extends Enum<E>> E find(String name, List<E> choices) {
        for (E constant : choices) {
            if (label(constant).equalsIgnoreCase(name)) {
                return constant;
            }
        }
        return null;
    }

    private static List<String> labels(List<? extends Enum<?>> constants) {
        return constants.stream().map(SpecOptions::label).toList();
    }

    /** Fails if an option was given that the factory did not read. */
    private void checkAllRead() {
        if (!values.isEmpty()) {
            String takes = known.isEmpty() ? "it takes no options" : "it takes " + String.join(", ", known);
            throw new InvalidArgumentException(kind + " " + name + " has no option "
                    + String.join(", ", values.keySet()) + "; " + takes);
        }
    }

    private String take(String key) {
        known.add(key);
        return values.remove(key);
    }

    private InvalidArgumentException invalid(String key, String expected, String text) {
        return new InvalidArgumentException(kind + " " + name + ": option " + key + " must be " + expected
                + ", got '" + text + "'");
    }
}
