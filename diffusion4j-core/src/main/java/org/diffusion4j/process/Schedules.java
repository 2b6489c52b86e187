package org.diffusion4j.process;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.diffusion4j.SpecOptions;
import org.diffusion4j.UnknownNameException;

/**
 * The Gaussian processes by spec, as the command line and config files spell them: a name, optionally with the
 * process's parameters ({@link SpecOptions}):
 *
 * <ul>
 *   <li>{@code edm}, {@code ve}: σ = t ({@link VeSchedule});</li>
 *   <li>{@code vp[:beta_min=0.1,beta_max=20]}: the continuous VP process with a linear β(t)
 *       ({@link VpLinearSchedule});</li>
 *   <li>{@code vp-cosine}, {@code linear}, {@code gvp};</li>
 *   <li>discrete DDPM chains ({@link DiscreteSchedule}) of {@code steps} betas:
 *       {@code ddpm-linear[:beta_start=1e-4,beta_end=0.02,steps=1000]},
 *       {@code ddpm-scaled-linear[:beta_start=0.00085,beta_end=0.012,steps=1000]},
 *       {@code ddpm-cosine[:steps=1000]}.</li>
 * </ul>
 *
 * A plain name is the process with its defaults, so configs written before the options existed read the same.
 */
public final class Schedules {
    private static final Map<String, Function<SpecOptions, NoiseSchedule>> BY_NAME = new LinkedHashMap<>();

    static {
        BY_NAME.put("edm", o -> new VeSchedule());
        BY_NAME.put("ve", o -> new VeSchedule());
        BY_NAME.put("vp", o -> new VpLinearSchedule(o.number("beta_min", 0.1), o.number("beta_max", 20.0)));
        BY_NAME.put("vp-cosine", o -> new VpCosineSchedule());
        BY_NAME.put("linear", o -> new LinearInterpolantSchedule());
        BY_NAME.put("gvp", o -> new GvpSchedule());
        BY_NAME.put("ddpm-linear", o -> DiscreteSchedule.linear(o.number("beta_start", 1e-4),
                o.number("beta_end", 0.02), o.integer("steps", 1000)));
        BY_NAME.put("ddpm-scaled-linear", o -> DiscreteSchedule.scaledLinear(o.number("beta_start", 0.00085),
                o.number("beta_end", 0.012), o.integer("steps", 1000)));
        BY_NAME.put("ddpm-cosine", o -> DiscreteSchedule.squaredCosCapV2(o.integer("steps", 1000)));
    }

    private Schedules() {}

    /**
     * The schedule {@code spec} describes ({@code name[:key=value,…]}); throws {@link UnknownNameException} listing
     * the known names, and {@link org.diffusion4j.InvalidArgumentException} for an option the process does not take
     * or a value out of its range.
     */
    public static NoiseSchedule byName(String spec) {
        return SpecOptions.create("process", spec, BY_NAME);
    }

    /** Every registered name, in a stable order. */
    public static List<String> names() {
        return List.copyOf(BY_NAME.keySet());
    }
}
