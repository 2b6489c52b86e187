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
import org.diffusion4j.denoise.GaussianMixtureDenoiser;
import org.diffusion4j.denoise.MixtureSpec;
import org.diffusion4j.grid.Grid;
import org.diffusion4j.process.Schedules;
import org.diffusion4j.process.VpLinearSchedule;
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
