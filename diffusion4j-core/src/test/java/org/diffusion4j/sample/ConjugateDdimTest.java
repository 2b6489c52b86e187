package org.diffusion4j.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.denoise.Denoiser;
import org.diffusion4j.denoise.GaussianMixtureDenoiser;
import org.diffusion4j.denoise.MixtureSpec;
import org.diffusion4j.eval.SamplerBenchmark;
import org.diffusion4j.grid.Grid;
import org.diffusion4j.grid.GridSpec;
import org.diffusion4j.process.VpLinearSchedule;
import org.junit.jupiter.api.Test;

class ConjugateDdimTest {
    private static final VpLinearSchedule VP = new VpLinearSchedule(0.1, 20);

    /** Pandey et al.'s Proposition 1: with B = 0 the conjugate integrator is DDIM. */
    @Test
    void lambdaZeroIsDdim() {
        Denoiser denoiser = new GaussianMixtureDenoiser(MixtureSpec.bundled("eight-gaussians"), VP).edmView();
        Grid grid = new GridSpec.Karras(0.002, 80, 7).build(12, VP, true);
        try (NDManager m = Backend.newManager()) {
            NDArray x = m.randomNormal(0, 80, new Shape(64, 2), DataType.FLOAT64);
            NDArray ddim = new Ddim().sample(denoiser, x, grid, null, StepCallback.NONE);
            NDArray conjugate = new ConjugateDdim(VP, 0).sample(denoiser, x, grid, null, StepCallback.NONE);
            assertTrue(ddim.sub(conjugate).abs().max().getDouble() < 1e-12);
        }
    }

    /**
     * The step t = 0.5 → 0.4 on the linear VP process (β 0.1 → 20) in VP coordinates, x' = a·x + b·ε̂, against values
     * computed independently (closed form and quadrature) in the project's notes: DDIM (λ = 0) and λ = 1.
     */
    @Test
    void stepCoefficientsMatchTheReference() {
        double t = 0.5;
        double s = 0.4;
        double ratio = VP.alpha(s) / VP.alpha(t);
        double[] ddim = new ConjugateDdim(VP, 0).coefficients(VP.edmSigma(t), VP.edmSigma(s));
        assertEquals(1.572630979620, ratio * ddim[0], 1e-11);
        assertEquals(-0.612263930850, VP.alpha(s) * ddim[1], 1e-11);
        double[] one = new ConjugateDdim(VP, 1).coefficients(VP.edmSigma(t), VP.edmSigma(s));
        assertEquals(1.564223421187, ratio * one[0], 1e-11);
        assertEquals(-0.647170730339, VP.alpha(s) * one[1], 1e-11);
    }

    /** For every λ the integrator is first order in the steps, like DDIM (slopes over 80–320 steps). */
    @Test
    void firstOrderForEveryLambda() {
        Map<String, Double> orders = new HashMap<>();
        List<String> specs = List.of("conjugate-ddim:lambda=0.5", "conjugate-ddim:lambda=2");
        try (NDManager manager = Backend.newManager()) {
            SamplerBenchmark.Config config = SamplerBenchmark.Config.builder(MixtureSpec.bundled("eight-gaussians"),
                    specs, List.of(80, 160, 320)).schedule(VP).grid(new GridSpec.Karras(0.002, 80, 7)).samples(32)
                    .seed(3).type(DataType.FLOAT64).referenceTolerance(1e-10).fitPoints(3).projections(4).build();
            SamplerBenchmark.run(config, manager, row -> { }).orders()
                    .forEach(o -> orders.put(o.sampler(), o.order()));
        }
        for (String spec : specs) {
            assertEquals(1, orders.get(spec), 0.15, spec);
        }
    }
}
