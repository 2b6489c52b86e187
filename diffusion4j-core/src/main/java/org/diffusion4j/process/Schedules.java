package org.diffusion4j.process;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.diffusion4j.UnknownNameException;

/** The Gaussian processes by name, as the command line and config files spell them. */
public final class Schedules {
    private static final Map<String, Supplier<NoiseSchedule>> BY_NAME = new LinkedHashMap<>();

    static {
        BY_NAME.put("edm", VeSchedule::new);
        BY_NAME.put("ve", VeSchedule::new);
        BY_NAME.put("vp", VpLinearSchedule::new);
        BY_NAME.put("vp-cosine", VpCosineSchedule::new);
        BY_NAME.put("linear", LinearInterpolantSchedule::new);
        BY_NAME.put("gvp", GvpSchedule::new);
        BY_NAME.put("ddpm-linear", () -> DiscreteSchedule.linear(1e-4, 0.02, 1000));
        BY_NAME.put("ddpm-scaled-linear", () -> DiscreteSchedule.scaledLinear(0.00085, 0.012, 1000));
        BY_NAME.put("ddpm-cosine", () -> DiscreteSchedule.squaredCosCapV2(1000));
    }

    private Schedules() {}

    /** The schedule called {@code name}; throws {@link UnknownNameException} listing the known names. */
    public static NoiseSchedule byName(String name) {
        Supplier<NoiseSchedule> supplier = BY_NAME.get(name);
        if (supplier == null) {
            throw new UnknownNameException("process", name, BY_NAME.keySet());
        }
        return supplier.get();
    }

    /** Every registered name. */
    public static Iterable<String> names() {
        return BY_NAME.keySet();
    }
}
