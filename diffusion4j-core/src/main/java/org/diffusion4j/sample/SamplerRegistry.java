package org.diffusion4j.sample;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.SpecOptions;
import org.diffusion4j.degradation.Degradation;
import org.diffusion4j.degradation.Degradations;

/**
 * Samplers by name, with k-diffusion's names where the method exists there. A spec is a name optionally followed
 * by options: {@code euler}, {@code heun:s_churn=40,s_tmin=0.05,s_tmax=50,s_noise=1.003},
 * {@code dpmpp-3m-sde:eta=0}, {@code unipc:order=3}.
 */
public final class SamplerRegistry {
    private SamplerRegistry() {}

    private static Map<String, Function<SpecOptions, Sampler>> factories(SamplingContext context) {
        Map<String, Function<SpecOptions, Sampler>> f = new LinkedHashMap<>();
        f.put("euler", o -> new Euler(Churn.of(o)));
        f.put("euler-ancestral", o -> new EulerAncestral(o.number("eta", 1), o.number("s_noise", 1)));
        f.put("heun", o -> new Heun(Churn.of(o)));
        f.put("dpm2", o -> new Dpm2(Churn.of(o)));
        f.put("dpm2-ancestral", o -> new Dpm2Ancestral(o.number("eta", 1), o.number("s_noise", 1)));
        f.put("lms", o -> new Lms(o.integer("order", 4)));
        f.put("dpmpp-2s-ancestral", o -> new DpmPp2sAncestral(o.number("eta", 1), o.number("s_noise", 1)));
        f.put("dpmpp-sde", o -> new DpmPpSde(o.number("eta", 1), o.number("s_noise", 1), o.number("r", 0.5)));
        f.put("dpmpp-2m", o -> new DpmPp2m());
        f.put("dpmpp-2m-sde", o -> new DpmPp2mSde(o.number("eta", 1), o.number("s_noise", 1),
                o.choice("solver", DpmPp2mSde.SolverType.class, DpmPp2mSde.SolverType.MIDPOINT)));
        f.put("dpmpp-3m-sde", o -> new DpmPp3mSde(o.number("eta", 1), o.number("s_noise", 1),
                o.flag("corrected", false)));
        f.put("ddim", o -> new Ddim(o.number("eta", 0)));
        f.put("ddpm", o -> new Ddpm(o.choice("variance", Ddpm.Variance.class, Ddpm.Variance.SMALL)));
        f.put("unipc", o -> new UniPc(o.integer("order", 2)));
        f.put("lcm", o -> new Lcm());
        f.put("accel-ddpm", o -> new AcceleratedDdpm(o.choice("form", AcceleratedDdpm.Form.class,
                AcceleratedDdpm.Form.README)));
        f.put("accel-ddim", o -> new AcceleratedDdim(o.choice("form", AcceleratedDdim.Form.class,
                AcceleratedDdim.Form.MULTISTEP)));
        f.put("conjugate-ddim", o -> new ConjugateDdim(context.requireSchedule("conjugate-ddim"),
                o.number("lambda", 0)));
        f.put("dopri5", o -> new AdaptiveProbabilityFlow(o.number("rtol", 1e-3), o.number("atol", 1e-6)));
        f.put("degradation-ddim", o -> new RdSampler(Degradations.parse(o.text("degradation", "none"))));
        f.put("sit-sde", o -> new InterpolantSde(context.requireSchedule("sit-sde"),
                o.choice("w", InterpolantSde.Diffusion.class, InterpolantSde.Diffusion.SIGMA), o.number("norm", 1),
                o.choice("last", InterpolantSde.LastStep.class, InterpolantSde.LastStep.MEAN), o.flag("heun", false)));
        return Collections.unmodifiableMap(f);
    }

    /** All registered names, in a stable order. */
    public static List<String> names() {
        return List.copyOf(factories(SamplingContext.NONE).keySet());
    }

    /** The sampler described by {@code spec} ({@code name[:key=value,…]}), for a Gaussian model. */
    public static Sampler create(String spec) {
        return create(spec, SamplingContext.NONE);
    }

    /**
     * The sampler of {@code spec} for a model with this {@code context}: any sampler for the Gaussian process;
     * otherwise only {@code degradation-ddim} inverts the corruption, and it gets the model's. The old name
     * {@code rd} (before it was told apart from Chen, Daras &amp; Dimakis's restoration–degradation step) is still
     * read, so configs that name it keep working.
     */
    public static Sampler create(String spec, SamplingContext context) {
        Sampler sampler = SpecOptions.create("sampler", renamed(spec), factories(context));
        Degradation degradation = context.degradation();
        if (degradation.isIdentity()) {
            return sampler;
        }
        if (!(sampler instanceof RdSampler)) {
            throw new InvalidArgumentException("the model was trained on the degradation " + degradation.spec()
                    + ", which only the degradation-ddim sampler inverts; got " + sampler.name());
        }
        return new RdSampler(degradation);
    }

    /** {@code rd[:…]}, the old name of {@code degradation-ddim[:…]}, under its new name. */
    private static String renamed(String spec) {
        String trimmed = spec.trim();
        return trimmed.equals("rd") || trimmed.startsWith("rd:") ? "degradation-ddim" + trimmed.substring(2) : spec;
    }

}
