package org.diffusion4j.degradation;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import org.diffusion4j.SpecOptions;

/**
 * Degradations by spec: {@code none}, {@code blur[:scale=1,max_width=8]}, {@code down-up[:scale=1.5]},
 * {@code saturation[:gain=1]}.
 */
public final class Degradations {
    private static final Map<String, Function<SpecOptions, Degradation>> FACTORIES = factories();

    private Degradations() {}

    private static Map<String, Function<SpecOptions, Degradation>> factories() {
        Map<String, Function<SpecOptions, Degradation>> f = new LinkedHashMap<>();
        f.put("none", o -> new Identity());
        f.put("blur", o -> new HeatBlur(o.number("scale", 1), o.number("max_width", 8)));
        f.put("down-up", o -> new DownUp(o.number("scale", 1.5)));
        f.put("saturation", o -> new Saturation(o.number("gain", 1)));
        return f;
    }

    /** The degradation described by {@code spec}. */
    public static Degradation parse(String spec) {
        return SpecOptions.create("degradation", spec, FACTORIES);
    }

}
