package org.diffusion4j.phase;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.diffusion4j.SpecOptions;

/**
 * The phase-space integrators by spec, as {@code d4j sample} and {@code d4j eval} take them: {@code euler},
 * {@code euler-maruyama}, {@code sscs}, {@code conjugate[:lambda=λ]}, the splittings {@code nse}, {@code rse},
 * {@code nvv}, {@code rvv}, {@code roba[:lambda_s=λ_s]} / {@code noba[:lambda_s=λ_s]} (λ_s defaults to 1), and the
 * conjugate splittings {@code cse[:lambda=λ]}, {@code cvv[:lambda=λ]} (deterministic) and
 * {@code coba[:lambda=λ,lambda_s=λ_s]} (stochastic; λ defaults to 0, λ_s to 1).
 */
public final class PhaseSamplers {
    private PhaseSamplers() {}

    private static final Map<String, Function<SpecOptions, PhaseSampler>> FACTORIES = factories();

    /** The names. */
    public static List<String> names() {
        return List.copyOf(FACTORIES.keySet());
    }

    /** The integrator {@code spec} names. */
    public static PhaseSampler create(String spec) {
        return SpecOptions.create("phase-space sampler", spec, FACTORIES);
    }

    private static Map<String, Function<SpecOptions, PhaseSampler>> factories() {
        Map<String, Function<SpecOptions, PhaseSampler>> f = new LinkedHashMap<>();
        f.put("euler", o -> new PsldEuler());
        f.put("euler-maruyama", o -> new PsldEulerMaruyama());
        f.put("sscs", o -> new PsldSscs());
        f.put("conjugate", o -> new PsldConjugate(o.number("lambda", 0)));
        for (PsldSplitting.Scheme scheme : PsldSplitting.Scheme.values()) {
            f.put(scheme.name().toLowerCase(Locale.ROOT), o -> new PsldSplitting(scheme));
        }
        f.put("roba", o -> new PsldOba(o.number("lambda_s", 1), true));
        f.put("noba", o -> new PsldOba(o.number("lambda_s", 1), false));
        for (PsldConjugateSplitting.Scheme scheme : PsldConjugateSplitting.Scheme.values()) {
            f.put(scheme.name().toLowerCase(Locale.ROOT),
                    o -> new PsldConjugateSplitting(scheme, o.number("lambda", 0)));
        }
        f.put("coba", o -> new PsldConjugateOba(o.number("lambda", 0), o.number("lambda_s", 1)));
        return f;
    }
}
