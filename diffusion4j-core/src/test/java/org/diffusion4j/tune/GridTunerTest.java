package org.diffusion4j.tune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.List;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.denoise.GaussianMixture;
import org.diffusion4j.denoise.MixtureSpec;
import org.diffusion4j.eval.SamplerBenchmark;
import org.diffusion4j.generate.Generators;
import org.diffusion4j.grid.GridSpec;
import org.diffusion4j.process.VeSchedule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The grid tuner on the bundled eight-component mixture (EDM process, float64): DPM-Solver++(2M) at 10 NFE on the
 * tuned grid is at most half as far from the exact probability flow as on the Karras grid, measured as
 * {@code d4j bench samplers} measures it (flow_rmse at σ_min, against Dormand–Prince), on starts the tuner never saw.
 */
class GridTunerTest {
    private static final GaussianMixture MIXTURE = MixtureSpec.bundled("eight-gaussians");
    private static GridTuner.Result tuned;

    @BeforeAll
    static void tune() {
        try (NDManager manager = Backend.newManager()) {
            tuned = GridTuner.tune(Generators.mixture(MIXTURE, new VeSchedule()), config("dpmpp-2m", 10), manager,
                    event -> { });
        }
    }

    static GridTuner.Config config(String sampler, int nfe) {
        return new GridTuner.Config(sampler, nfe, null, true, false, 64, 64, 1_000_000, null, 100, null, 1,
                DataType.FLOAT64, 200);
    }

    @Test
    void tunedDpmpp2mAtTenNfeHasAtMostHalfTheKarrasFlowError() {
        assertFalse(tuned.keptBaseline(), "validation " + tuned.validationTuned() + " vs " + tuned.validationBaseline());
        double karras = flowRmse(new GridSpec.Karras(0.002, 80, 7));
        double[] sigmas = tuned.sigmas();
        double tunedError = flowRmse(new GridSpec.Explicit(java.util.Arrays.copyOf(sigmas, sigmas.length - 1)));
        System.out.printf("flow_rmse dpmpp-2m NFE 10: karras %.4g, tuned %.4g (ratio %.3f); calibration %.4g → %.4g,"
                + " validation %.4g → %.4g, %d evaluations, %.1f s%n", karras, tunedError, tunedError / karras,
                tuned.baseline(), tuned.tuned(), tuned.validationBaseline(), tuned.validationTuned(),
                tuned.objectiveEvaluations(), tuned.seconds());
        assertTrue(tunedError <= 0.5 * karras, "tuned " + tunedError + " vs karras " + karras);
    }

    @Test
    void theTunedGridKeepsTheEndsAndTheBudget() {
        double[] sigmas = tuned.sigmas();
        assertEquals(11, sigmas.length);
        assertEquals(10, tuned.steps());
        assertEquals(10, tuned.evaluations());
        assertEquals(80, sigmas[0], 1e-12);
        assertEquals(0.002, sigmas[9], 1e-15);
        assertEquals(0, sigmas[10]);
        assertTrue(tuned.tuned() < tuned.baseline());
        assertTrue(tuned.validationTuned() < tuned.validationBaseline());
    }

    @Test
    void theSameSeedsGiveTheSameGrid() {
        try (NDManager manager = Backend.newManager()) {
            GridTuner.Config small = new GridTuner.Config("dpmpp-2m", 5, null, true, true, 16, 16, 7, null, 100, null, 1,
                    DataType.FLOAT64, 40);
            double[] a = GridTuner.tune(Generators.mixture(MIXTURE, new VeSchedule()), small, manager, e -> { })
                    .tunedSigmas();
            double[] b = GridTuner.tune(Generators.mixture(MIXTURE, new VeSchedule()), small, manager, e -> { })
                    .tunedSigmas();
            assertArrayEquals(a, b);
        }
    }

    @Test
    void theParametrisationStartsAtTheBaselineAndStaysMonotone() {
        double[] karras = new GridSpec.Karras(0.002, 80, 7).positiveSigmas(10, new VeSchedule());
        GridTuner.Parametrisation fixed = new GridTuner.Parametrisation(karras, false);
        assertArrayEquals(karras, fixed.levels(fixed.start()), 1e-9 * 80);
        double[] wild = fixed.levels(new double[] {8, -8, 3, 0, -5, 7, -7, 2});
        for (int i = 1; i < wild.length; i++) {
            assertTrue(wild[i] < wild[i - 1], java.util.Arrays.toString(wild));
        }
        assertEquals(karras[0], wild[0]);
        assertEquals(karras[9], wild[9]);
        GridTuner.Parametrisation free = new GridTuner.Parametrisation(karras, true);
        double[] start = free.start();
        assertEquals(9, start.length);
        assertEquals(0, start[8]);
        assertArrayEquals(karras, free.levels(start), 1e-9 * 80);
        assertEquals(0.5 * Math.log(karras[0] / karras[9]), free.upper()[8], 1e-12);
        start[8] = 2;
        double[] raised = free.levels(start);
        assertEquals(karras[9] * Math.exp(2), raised[9], 1e-15);
        assertEquals(karras[0], raised[0]);
        for (int i = 1; i < raised.length; i++) {
            assertTrue(raised[i] < raised[i - 1], java.util.Arrays.toString(raised));
        }
    }

    @Test
    void stochasticAndAdaptiveSamplersAreRefused() {
        try (NDManager manager = Backend.newManager()) {
            var model = Generators.mixture(MIXTURE, new VeSchedule());
            InvalidArgumentException sde = assertThrows(InvalidArgumentException.class,
                    () -> GridTuner.tune(model, config("euler-ancestral", 10), manager, e -> { }));
            assertTrue(sde.getMessage().contains("stochastic"), sde.getMessage());
            InvalidArgumentException adaptive = assertThrows(InvalidArgumentException.class,
                    () -> GridTuner.tune(model, config("dopri5", 10), manager, e -> { }));
            assertTrue(adaptive.getMessage().contains("chooses its own steps"), adaptive.getMessage());
        }
    }

    /** flow_rmse of dpmpp-2m at 10 NFE on {@code grid}, as {@code d4j bench samplers} measures it (2048 samples). */
    private static double flowRmse(GridSpec grid) {
        try (NDManager manager = Backend.newManager()) {
            SamplerBenchmark.Config config = SamplerBenchmark.Config.builder(MIXTURE, List.of("dpmpp-2m"),
                    List.of(10)).grid(grid).projections(8).build();
            return SamplerBenchmark.run(config, manager, row -> { }).results().get(0).flowRmse();
        }
    }
}
