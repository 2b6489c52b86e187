package org.diffusion4j.sample;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.diffusion4j.InvalidArgumentException;

/**
 * The {@code key=value} options of a sampler spec such as {@code dpmpp-2m-sde:eta=0,solver=heun}. A factory reads
 * what it understands; any option left unread is reported with the list of options the sampler takes.
 */
public final class SamplerOptions {
    private final String sampler;
    private final Map<String, String> values;
    private final Set<String> known = new LinkedHashSet<>();

    SamplerOptions(String sampler, Map<String, String> values) {
        this.sampler = sampler;
        this.values = new LinkedHashMap<>(values);
    }

    /** The number option {@code key}, or {@code fallback} if absent. */
    public double number(String key, double fallback) {
        known.add(key);
        String text = values.remove(key);
        if (text == null) {
            return fallback;
        }
        try {
            return Double.parseDouble(text);
        } catch (NumberFormatException e) {
            throw new InvalidArgumentException("sampler " + sampler + ": option " + key + " must be a number, got '"
                    + text + "'");
        }
    }

    /** The integer option {@code key}, or {@code fallback} if absent. */
    public int integer(String key, int fallback) {
        known.add(key);
        String text = values.remove(key);
        if (text == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new InvalidArgumentException("sampler " + sampler + ": option " + key + " must be an integer, got '"
                    + text + "'");
        }
    }

    /** The text option {@code key}, or {@code fallback} if absent. */
    public String text(String key, String fallback) {
        known.add(key);
        String text = values.remove(key);
        return text == null ? fallback : text;
    }

    /** The boolean option {@code key} ({@code true} or {@code false}), or {@code fallback} if absent. */
    public boolean flag(String key, boolean fallback) {
        known.add(key);
        String text = values.remove(key);
        if (text == null) {
            return fallback;
        }
        if (!text.equals("true") && !text.equals("false")) {
            throw new InvalidArgumentException("sampler " + sampler + ": option " + key + " must be true or false, got '"
                    + text + "'");
        }
        return Boolean.parseBoolean(text);
    }

    /** EDM churn options {@code s_churn, s_tmin, s_tmax, s_noise}. */
    public Churn churn() {
        return new Churn(number("s_churn", 0), number("s_tmin", 0), number("s_tmax", Double.POSITIVE_INFINITY),
                number("s_noise", 1));
    }

    /** Fails if an option was given that the factory did not read. */
    void checkAllRead() {
        if (!values.isEmpty()) {
            String takes = known.isEmpty() ? "it takes no options" : "it takes " + String.join(", ", known);
            throw new InvalidArgumentException("sampler " + sampler + " has no option "
                    + String.join(", ", values.keySet()) + "; " + takes);
        }
    }
}
