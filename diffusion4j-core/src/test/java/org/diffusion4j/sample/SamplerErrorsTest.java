package org.diffusion4j.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.UnknownNameException;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.denoise.Denoiser;
import org.diffusion4j.grid.Grid;
import org.diffusion4j.grid.GridSpec;
import org.diffusion4j.process.VeSchedule;
import org.junit.jupiter.api.Test;

class SamplerErrorsTest {

    @Test
    void unknownSamplerListsTheKnownOnes() {
        UnknownNameException e = assertThrows(UnknownNameException.class, () -> SamplerRegistry.create("dpmpp2m"));
        assertTrue(e.getMessage().startsWith("unknown sampler 'dpmpp2m'; known samplers: euler, euler-ancestral"),
                e.getMessage());
        assertTrue(e.getMessage().contains("dpmpp-2m") && e.getMessage().contains("unipc"), e.getMessage());
    }

    @Test
    void badOptionsAreNamed() {
        assertTrue(assertThrows(InvalidArgumentException.class, () -> SamplerRegistry.create("euler-ancestral:etta=1"))
                .getMessage().contains("has no option etta; it takes eta, s_noise"));
        assertTrue(assertThrows(InvalidArgumentException.class, () -> SamplerRegistry.create("ddpm:eta=1"))
                .getMessage().contains("has no option eta; it takes variance"));
        assertTrue(assertThrows(InvalidArgumentException.class, () -> SamplerRegistry.create("dpmpp-2m:eta=1"))
                .getMessage().contains("it takes no options"));
        assertTrue(assertThrows(InvalidArgumentException.class, () -> SamplerRegistry.create("lms:order=four"))
                .getMessage().contains("order must be an integer, got 'four'"));
        assertTrue(assertThrows(InvalidArgumentException.class, () -> SamplerRegistry.create("unipc:order=5"))
                .getMessage().contains("order must be 1, 2 or 3"));
        assertTrue(assertThrows(InvalidArgumentException.class, () -> SamplerRegistry.create("ddim:eta=1.5"))
                .getMessage().contains("eta must lie in [0, 1]"));
        assertTrue(assertThrows(UnknownNameException.class, () -> SamplerRegistry.create("dpmpp-2m-sde:solver=rk4"))
                .getMessage().contains("midpoint, heun"));
        assertEquals("heun", SamplerRegistry.create(" heun:s_churn=1 ").name());
    }

    /**
     * A denoiser that breaks below σ = 1 makes every sampler stop with the step and levels where it happened; the
     * adaptive one names the level below which its flow broke.
     */
    @Test
    void nonFiniteValuesStopSamplingWithTheStep() {
        Denoiser broken = (x, sigma) -> sigma < 1 ? x.mul(Double.NaN) : x.mul(0.5);
        Grid grid = new GridSpec.Karras(0.002, 80, 7).build(10, new VeSchedule(), true);
        for (String spec : SamplerRegistry.names()) {
            try (NDManager m = Backend.newManager()) {
                NDArray x = m.ones(new Shape(4, 2), DataType.FLOAT32);
                NonFiniteSampleException e = assertThrows(NonFiniteSampleException.class,
                        () -> Sampling.of(SamplerRegistry.create(spec, SamplingContext.of(new VeSchedule())), broken,
                                grid)
                                .generate(new long[] {1, 2}, new Shape(2), DataType.FLOAT32, m), spec);
                if (spec.equals("dopri5")) {
                    String prefix = "sampler dopri5 produced non-finite values below σ ";
                    assertTrue(e.getMessage().startsWith(prefix), e.getMessage());
                    double brokeBelow = Double.parseDouble(e.getMessage().substring(prefix.length()).split(" ")[0]);
                    assertTrue(brokeBelow >= 1 && brokeBelow < 80, e.getMessage());
                } else {
                    assertTrue(e.getMessage().startsWith("sampler " + spec + " produced NaN values at step "),
                            e.getMessage());
                    assertTrue(e.getMessage().contains(" of 10 (σ "), e.getMessage());
                }
                x.close();
            }
        }
    }
}
