package org.diffusion4j.spark;

import java.io.Serializable;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.generate.GenerationRequest;
import org.diffusion4j.generate.Generator;

/**
 * How each sample is drawn: sampler spec, budget (steps or model calls per sample, exactly one), guidance and an
 * optional fixed class. One cell of a sampler sweep.
 *
 * @param sampler the sampler spec, or null for the model's default
 * @param steps sampler steps, or null when {@code nfe} is set
 * @param nfe model calls per sample, or null when {@code steps} is set
 * @param guidance classifier-free guidance scale
 * @param fixedClass the class of every sample, or null for the classes in turn
 */
public record Settings(String sampler, Integer steps, Integer nfe, double guidance, Integer fixedClass)
        implements Serializable {
    private static final long serialVersionUID = 1L;

    public Settings {
        if ((steps == null) == (nfe == null)) {
            throw new InvalidArgumentException("give exactly one of --steps and --nfe");
        }
        if (steps != null && steps < 1) {
            throw new InvalidArgumentException("--steps must be at least 1, got " + steps);
        }
        if (nfe != null && nfe < 1) {
            throw new InvalidArgumentException("--nfe must be at least 1, got " + nfe);
        }
        if (!Double.isFinite(guidance)) {
            throw new InvalidArgumentException("--cfg-scale must be finite, got " + guidance);
        }
    }

    /** Fails, naming the problem, when {@code generator} cannot honour the fixed class. */
    void check(Generator generator) {
        if (fixedClass == null) {
            return;
        }
        if (generator.classes() == 0) {
            throw new InvalidArgumentException("--class needs a class-conditional model");
        }
        if (fixedClass < 0 || fixedClass >= generator.classes()) {
            throw new InvalidArgumentException("--class " + fixedClass + " is out of range; the model has classes 0 to "
                    + (generator.classes() - 1));
        }
    }

    /** The request for {@code seeds} of {@code classes}. */
    GenerationRequest request(long[] seeds, int[] classes) {
        GenerationRequest.Builder b = GenerationRequest.builder(seeds).classes(classes).guidance(guidance)
                .sampler(sampler);
        return (steps != null ? b.steps(steps) : b.nfe(nfe)).build();
    }

    /** {@code heun, NFE 35} or {@code heun, 18 steps}. */
    public String label() {
        return (sampler == null ? "default sampler" : sampler) + (nfe != null ? ", NFE " + nfe : ", " + steps
                + " steps");
    }
}
