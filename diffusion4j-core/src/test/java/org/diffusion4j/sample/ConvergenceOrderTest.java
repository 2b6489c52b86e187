package org.diffusion4j.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.List;
import java.util.Map;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.denoise.MixtureSpec;
import org.diffusion4j.eval.SamplerBenchmark;
import org.diffusion4j.grid.GridSpec;
import org.diffusion4j.process.VeSchedule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each deterministic sampler converges to the exact probability-flow solution of the eight-component mixture with
 * its theoretical order: the slope of log error against log NFE over 80, 160 and 320 evaluations (float64, Karras
 * grid 0.002 … 80), within ±0.3.
 *
 * <p>k-diffusion's DPM-Solver++(3M) (the default {@code dpmpp-3m-sde}) is second order: its second-difference term
 * is half the third-order Taylor term (see {@link DpmPp3mSde}); with {@code corrected=true} it is third order. UniPC
 * with predictor order p is of order p + 1 (Zhao et al. 2023, Theorem 3.2).
 */
class ConvergenceOrderTest {
    private static final Map<String, Double> EXPECTED = Map.ofEntries(
            Map.entry("euler", 1.0), Map.entry("ddim", 1.0), Map.entry("euler-ancestral:eta=0", 1.0),
            Map.entry("heun", 2.0), Map.entry("dpm2", 2.0), Map.entry("dpmpp-2m", 2.0),
            Map.entry("dpmpp-2m-sde:eta=0", 2.0), Map.entry("dpmpp-2m-sde:eta=0,solver=heun", 2.0),
            Map.entry("dpmpp-2s-ancestral:eta=0", 2.0), Map.entry("dpmpp-sde:eta=0", 2.0),
            Map.entry("dpm2-ancestral:eta=0", 2.0),
            Map.entry("dpmpp-3m-sde:eta=0", 2.0), Map.entry("dpmpp-3m-sde:eta=0,corrected=true", 3.0),
            Map.entry("unipc", 3.0), Map.entry("unipc:order=3", 4.0), Map.entry("lms", 4.0));

    private static Map<String, Double> measured;

    @BeforeAll
    static void measure() {
        try (NDManager manager = Backend.newManager()) {
            SamplerBenchmark.Config config = SamplerBenchmark.Config.builder(MixtureSpec.bundled("eight-gaussians"),
                    List.copyOf(EXPECTED.keySet()), List.of(80, 160, 320)).schedule(new VeSchedule())
                    .grid(new GridSpec.Karras(0.002, 80, 7)).samples(64).seed(0).type(DataType.FLOAT64)
                    .referenceTolerance(1e-10).fitPoints(3).projections(16).build();
            measured = new java.util.HashMap<>();
            SamplerBenchmark.run(config, manager, row -> { })
                    .orders().forEach(o -> measured.put(o.sampler(), o.order()));
        }
    }

    static List<String> samplers() {
        return List.copyOf(EXPECTED.keySet());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samplers")
    void convergesWithItsTheoreticalOrder(String spec) {
        assertEquals(EXPECTED.get(spec), measured.get(spec), 0.3, spec);
    }
}
