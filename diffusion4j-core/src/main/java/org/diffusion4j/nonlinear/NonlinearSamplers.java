package org.diffusion4j.nonlinear;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import org.diffusion4j.SpecOptions;
import org.diffusion4j.nonlinear.RestorationDegradation.DriftPoint;
import org.diffusion4j.nonlinear.RestorationDegradationSampler.LookBack;

/**
 * The samplers of a {@link SineDriftProcess} model by spec, as {@code d4j sample} and {@code d4j eval} take them:
 * <ul>
 *   <li>{@code restoration-degradation[:look_back=geometric|data,c=C,drift=restored|current]}: Chen, Daras &amp;
 *       Dimakis's step ({@link RestorationDegradation}); {@code geometric} looks back η = C·√(δ·t) (C = 1 by default;
 *       our choice: the paper fixes no η, only the limit η → 0, δ/η → 0, which this reaches as δ/t → 0) with the
 *       drift at the restored point as the paper's Euler–Maruyama degradation has it; {@code data} restores to the
 *       data (η = t) with the drift frozen at the iterate, the DDIM-like form;</li>
 *   <li>{@code pf-euler}: Euler on the probability-flow ODE ({@link ProbabilityFlowEuler});</li>
 *   <li>{@code degradation-ddim}: restore with the data head and degrade through the conditional mean
 *       ({@link DegradationDdim}).</li>
 * </ul>
 */
public final class NonlinearSamplers {
    private NonlinearSamplers() {}

    /** The names. */
    public static List<String> names() {
        return List.copyOf(factories(() -> null).keySet());
    }

    /** The sampler {@code spec} names; {@code table} gives the transition table to the samplers that need it. */
    public static NonlinearSampler create(String spec, Supplier<TransitionTable> table) {
        return SpecOptions.create("non-linear sampler", spec, factories(table));
    }

    private static Map<String, Function<SpecOptions, NonlinearSampler>> factories(Supplier<TransitionTable> table) {
        Map<String, Function<SpecOptions, NonlinearSampler>> f = new LinkedHashMap<>();
        f.put("restoration-degradation", o -> {
            String lookBack = o.text("look_back", "geometric");
            if (lookBack.equals("data")) {
                return new RestorationDegradationSampler(LookBack.toData(),
                        o.choice("drift", DriftPoint.class, DriftPoint.CURRENT));
            }
            if (!lookBack.equals("geometric")) {
                throw new org.diffusion4j.UnknownNameException("restoration-degradation look_back", lookBack,
                        List.of("geometric", "data"));
            }
            double c = o.number("c", 1);
            if (!(c > 0)) {
                throw new org.diffusion4j.InvalidArgumentException("restoration-degradation: c must be positive, "
                        + "got " + c);
            }
            return new RestorationDegradationSampler(LookBack.geometric(c),
                    o.choice("drift", DriftPoint.class, DriftPoint.RESTORED));
        });
        f.put("pf-euler", o -> new ProbabilityFlowEuler());
        f.put("degradation-ddim", o -> new DegradationDdim(table));
        return f;
    }
}
