package org.diffusion4j.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.denoise.GaussianMixture;
import org.diffusion4j.denoise.GaussianMixtureDenoiser;
import org.diffusion4j.denoise.MixtureSpec;
import org.diffusion4j.denoise.Preconditioning;
import org.diffusion4j.grid.Grid;
import org.diffusion4j.nn.NetworkConfig;
import org.diffusion4j.phase.PhaseSpaceModel;
import org.diffusion4j.phase.Psld;
import org.diffusion4j.process.Schedules;
import org.diffusion4j.process.VpLinearSchedule;
import org.diffusion4j.sample.GaussianNoise;
import org.diffusion4j.sample.Sampler;
import org.diffusion4j.sample.SamplerRegistry;
import org.diffusion4j.sample.Sampling;
import org.diffusion4j.sample.SamplingContext;
import org.junit.jupiter.api.Test;

/** The generator facade over Gaussian models: budgets, conditions and equality with the sampler it wraps. */
class GeneratorTest {

    @Test
    void anNfeBudgetGetsTheMostStepsThatFit() {
        Sampler heun = SamplerRegistry.create("heun");
        assertEquals(18, Budget.nfe(35).steps(n -> heun.evaluations(n, true)), "EDM's 35 NFE: 18 Heun steps");
        assertEquals(5, Budget.nfe(10).steps(n -> heun.evaluations(n, true)));
        assertEquals(5, Budget.nfe(10).steps(n -> heun.evaluations(n, false)), "no final zero: 2 calls a step");
        assertEquals(10, Budget.nfe(10).steps(n -> SamplerRegistry.create("euler").evaluations(n, true)));
        assertEquals(4, Budget.nfe(9).steps(n -> SamplerRegistry.create("accel-ddim:form=theory")
                .evaluations(n, true)), "two calls on every step, the last too");
        assertEquals(1, Budget.nfe(1).steps(n -> heun.evaluations(n, true)), "a budget below one step: one step");
        assertEquals(7, Budget.steps(7).steps(n -> 1000L * n), "a step budget is taken as it is");
        assertThrows(InvalidArgumentException.class, () -> Budget.nfe(0));
    }

    @Test
    void theGeneratorGivesWhatItsSamplerGivesForTheSameSeeds() {
        var mixture = MixtureSpec.bundled("eight-gaussians");
        var schedule = new VpLinearSchedule();
        Generator generator = Generators.mixture(mixture, schedule);
        long[] seeds = {5, 6, 7};
        try (NDManager m = Backend.newManager()) {
            Generation g = generator.generate(GenerationRequest.builder(seeds).sampler("dpmpp-2m-sde:eta=0.5")
                    .nfe(12).dtype(DataType.FLOAT64).build(), m);
            Grid grid = GaussianGenerator.EDM_GRID.build(12, schedule, true);
            Sampling.Result direct = Sampling.of(SamplerRegistry.create("dpmpp-2m-sde:eta=0.5",
                    SamplingContext.of(schedule)), new GaussianMixtureDenoiser(mixture, schedule).edmView(), grid)
                    .generate(seeds, new Shape(2), DataType.FLOAT64, m);
            assertArrayEquals(direct.samples().toDoubleArray(), g.samples().toDoubleArray(), 0);
            assertEquals(12, g.evaluations());
            assertEquals(12, g.steps());
            assertEquals("dpmpp-2m-sde", g.sampler());
        }
    }

    @Test
    void conditionsAModelCannotHonourAreRefusedByName() {
        Generator mixture = Generators.mixture(MixtureSpec.bundled("eight-gaussians"), Schedules.byName("edm"));
        try (NDManager m = Backend.newManager()) {
            InvalidArgumentException classes = assertThrows(InvalidArgumentException.class,
                    () -> mixture.generate(GenerationRequest.builder(new long[] {1}).classes(new int[] {3}).steps(4)
                            .build(), m));
            assertEquals("the model is unconditional; it cannot sample given classes", classes.getMessage());
            InvalidArgumentException guidance = assertThrows(InvalidArgumentException.class,
                    () -> mixture.generate(GenerationRequest.builder(new long[] {1}).guidance(2).steps(4).build(),
                            m));
            assertTrue(guidance.getMessage().startsWith("guidance scale 2.0 needs a class per sample"),
                    guidance.getMessage());
            InvalidArgumentException budget = assertThrows(InvalidArgumentException.class,
                    () -> mixture.generate(GenerationRequest.builder(new long[] {1}).build(), m));
            assertEquals("a generation needs a budget: steps or NFE", budget.getMessage());
        }
        InvalidArgumentException perSample = assertThrows(InvalidArgumentException.class,
                () -> GenerationRequest.builder(new long[] {1, 2}).classes(new int[] {1}).build());
        assertEquals("1 classes for 2 seeds; give one class per sample", perSample.getMessage());
        assertThrows(InvalidArgumentException.class, () -> GenerationRequest.builder(new long[0]).build());
    }

    /**
     * At temperature τ the start is σ_max·z/τ. For data N(m, s²) (the exact denoiser of a one-component mixture) the
     * probability-flow ODE from σ_max maps x to m + (x − m)·s/√(s² + σ_max²), so each sample is that map of
     * σ_max·z/τ; Heun's 512 float64 steps reach it to 10⁻⁴ (the error falls as the square of the step: 1.6·10⁻³ at
     * 64 steps for z = 1, 2·10⁻⁵ at 512).
     */
    @Test
    void aTemperatureDividesTheSeededStart() {
        double m = 0.5;
        double s = 0.4;
        var schedule = Schedules.byName("edm");
        Generator gaussian = Generators.mixture(new GaussianMixture(new double[] {1}, new double[][] {{m}},
                new double[][] {{s * s}}), schedule);
        long[] seeds = {3, 4, 5, 6};
        double sigmaMax = GaussianGenerator.EDM_GRID.build(512, schedule, true).sigmaMax();
        try (NDManager manager = Backend.newManager()) {
            double[] z = GaussianNoise.perSample(seeds)
                    .latents(manager, new Shape(seeds.length, 1), DataType.FLOAT64, 1).toDoubleArray();
            for (double tau : new double[] {1, 1.5, 4}) {
                double[] x = gaussian.generate(GenerationRequest.builder(seeds).sampler("heun").steps(512)
                        .temperature(tau).dtype(DataType.FLOAT64).build(), manager).samples().toDoubleArray();
                for (int i = 0; i < seeds.length; i++) {
                    double exact = m + (sigmaMax * z[i] / tau - m) * s / Math.sqrt(s * s + sigmaMax * sigmaMax);
                    assertEquals(exact, x[i], 1e-4, "seed " + seeds[i] + " at temperature " + tau);
                }
            }
            Generator phaseSpace = new PhaseSpaceGenerator(new PhaseSpaceModel(Psld.criticallyDamped(0.02, 8),
                    new NetworkConfig.Mlp(4, 16, 1, 8, 0).initialize(manager, DataType.FLOAT32, 0),
                    new Preconditioning("vp", "edm", 1, false, "time")), new Shape(2), "sscs");
            InvalidArgumentException refused = assertThrows(InvalidArgumentException.class,
                    () -> phaseSpace.generate(GenerationRequest.builder(seeds).steps(2).temperature(2).build(),
                            manager));
            assertEquals("a phase-space model does not take a temperature (it starts from prior draws of [x, m])",
                    refused.getMessage());
        }
        for (double bad : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
            InvalidArgumentException e = assertThrows(InvalidArgumentException.class,
                    () -> GenerationRequest.builder(seeds).temperature(bad).build());
            assertEquals("the temperature must be a finite number above 0, got " + bad, e.getMessage());
        }
        try (NDManager manager = Backend.newManager()) {
            InvalidArgumentException both = assertThrows(InvalidArgumentException.class,
                    () -> GenerationRequest.builder(new long[] {1}).start(manager.zeros(new Shape(1, 1)))
                            .temperature(2).build());
            assertEquals("a given start is already scaled; a temperature (2.0) only scales a start drawn from the "
                    + "seeds", both.getMessage());
        }
    }

    /** The README's Java example, as it stands there. */
    @Test
    void theReadmeExampleRuns() {
        try (NDManager manager = Backend.newManager()) {
            Generator generator = Generators.mixture(MixtureSpec.bundled("eight-gaussians"), Schedules.byName("vp"));
            Generation result = generator.generate(GenerationRequest.builder(new long[] {0, 1, 2, 3}) // one seed per sample
                    .sampler("dpmpp-2m-sde:eta=0.5").nfe(20).build(), manager);
            assertEquals(new Shape(4, 2), result.samples().getShape());
            assertEquals(20, result.evaluations());
        }
    }
}
