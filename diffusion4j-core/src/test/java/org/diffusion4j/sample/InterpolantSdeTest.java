package org.diffusion4j.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.UnknownNameException;
import org.diffusion4j.nonlinear.LinearSde;
import org.diffusion4j.process.LinearInterpolantSchedule;
import org.diffusion4j.process.VpLinearSchedule;
import org.junit.jupiter.api.Test;

/**
 * SiT's diffusion coefficients, written in its code time τ = 1 − t: on the linear path at t = 0.3 (τ = 0.7) its
 * {@code compute_diffusion} gives λ_τ = (1 − τ)/τ for SBDM, σ = 1 − τ for sigma and linear, ¼(cos πτ + 1)² and
 * sin² πτ; SBDM is half the squared diffusion of the process's own SDE.
 */
class InterpolantSdeTest {

    private static InterpolantSde sde(String w, double norm) {
        return new InterpolantSde(new LinearInterpolantSchedule(), InterpolantSde.Diffusion.parse(w), norm,
                InterpolantSde.LastStep.MEAN, false);
    }

    @Test
    void diffusionCoefficientsAreSitsInItsTime() {
        double t = 0.3;
        double tau = 0.7;
        assertEquals(2.0, sde("constant", 2).diffusion(t), 1e-15);
        assertEquals((1 - tau) / tau, sde("SBDM", 1).diffusion(t), 1e-15);
        assertEquals(1 - tau, sde("sigma", 1).diffusion(t), 1e-15);
        assertEquals(1 - tau, sde("linear", 1).diffusion(t), 1e-15);
        double c = Math.cos(Math.PI * tau) + 1;
        assertEquals(0.25 * c * c, sde("decreasing", 1).diffusion(t), 1e-15);
        assertEquals(Math.pow(Math.sin(Math.PI * tau), 2), sde("increasing-decreasing", 1).diffusion(t), 1e-15);
    }

    @Test
    void sbdmIsHalfTheSquaredDiffusionOfTheProcess() {
        VpLinearSchedule vp = new VpLinearSchedule();
        InterpolantSde sbdm = new InterpolantSde(vp, InterpolantSde.Diffusion.SBDM, 1, InterpolantSde.LastStep.MEAN,
                false);
        for (double t : new double[] {0.01, 0.3, 0.9}) {
            double g = new LinearSde(vp).diffusion(t);
            assertEquals(g * g / 2, sbdm.diffusion(t), 1e-12 * g * g);
        }
    }

    @Test
    void needsTheProcessAndKnownNames() {
        InvalidArgumentException e = assertThrows(InvalidArgumentException.class,
                () -> SamplerRegistry.create("sit-sde"));
        assertTrue(e.getMessage().contains("needs the model's process"), e.getMessage());
        assertThrows(UnknownNameException.class, () -> InterpolantSde.Diffusion.parse("sigmoid"));
        assertTrue(SamplerRegistry.create("sit-sde:w=SBDM,last=tweedie,heun=true",
                SamplingContext.of(new LinearInterpolantSchedule())) instanceof InterpolantSde s && s.heun());
    }
}
