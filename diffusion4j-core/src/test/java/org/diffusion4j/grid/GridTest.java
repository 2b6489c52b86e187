package org.diffusion4j.grid;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.diffusion4j.UnknownNameException;
import org.diffusion4j.process.DiscreteSchedule;
import org.diffusion4j.process.NoiseSchedule;
import org.diffusion4j.process.VeSchedule;
import org.diffusion4j.process.VpLinearSchedule;
import org.junit.jupiter.api.Test;

class GridTest {
    private static final NoiseSchedule VE = new VeSchedule();

    /** k-diffusion's get_sigmas_karras(5, 0.1, 10) and get_sigmas_vp(4), evaluated in NumPy float64. */
    @Test
    void karrasAndVpMatchKDiffusion() {
        Grid karras = new GridSpec.Karras(0.1, 10, 7).build(5, VE, true);
        assertArrayEquals(new double[] {10.000000000000002, 4.0701040408635185, 1.4507321135661928,
            0.432452803054104, 0.10000000000000002, 0}, karras.sigmas(), 1e-14);
        Grid vp = new GridSpec.Vp().build(4, VE, true);
        assertArrayEquals(new double[] {152.1669702839464, 9.4031965545555, 1.4619718278116114,
            0.010485992786706403, 0}, vp.sigmas(), 1e-12);
    }

    @Test
    void exponentialIsGeometricAndEqualsUniformLambda() {
        Grid exp = new GridSpec.Exponential(0.01, 100).build(5, VE, false);
        assertEquals(6, exp.sigmas().length);
        for (int i = 1; i < 6; i++) {
            assertEquals(Math.pow(10, -4.0 / 5), exp.sigma(i) / exp.sigma(i - 1), 1e-14);
        }
        assertArrayEquals(exp.sigmas(), new GridSpec.UniformLogSnr(0.01, 100).build(5, VE, false).sigmas(), 1e-13);
        assertArrayEquals(exp.sigmas(), new GridSpec.PolyExponential(0.01, 100, 1).build(5, VE, false).sigmas(),
                1e-13);
    }

    @Test
    void timeGridsAreUniformInTheProcessTime() {
        VpLinearSchedule vp = new VpLinearSchedule();
        double sigmaMin = vp.edmSigma(1e-3);
        double sigmaMax = vp.edmSigma(1);
        Grid uniform = new GridSpec.UniformTime(sigmaMin, sigmaMax).build(4, vp, true);
        double[] expectedTimes = {1, 0.667, 0.334, 1e-3};
        for (int i = 0; i < 4; i++) {
            assertEquals(expectedTimes[i], vp.timeOfEdmSigma(uniform.sigma(i)), 1e-12);
        }
        Grid quadratic = new GridSpec.Quadratic(sigmaMin, sigmaMax).build(3, vp, false);
        double a = 1;
        double b = Math.sqrt(1e-3);
        for (int i = 0; i <= 3; i++) {
            double root = a + (b - a) * i / 3;
            assertEquals(root * root, vp.timeOfEdmSigma(quadratic.sigma(i)), 1e-12);
        }
    }

    @Test
    void finalZeroIsOptional() {
        GridSpec karras = new GridSpec.Karras(0.002, 80, 7);
        Grid with = karras.build(10, VE, true);
        Grid without = karras.build(10, VE, false);
        assertEquals(10, with.steps());
        assertEquals(10, without.steps());
        assertTrue(with.endsAtZero());
        assertFalse(without.endsAtZero());
        assertEquals(0.002, with.sigmaMin(), 1e-15);
        assertEquals(0.002, without.sigmaMin(), 1e-15);
        assertEquals(80, with.sigmaMax(), 1e-12);
    }

    @Test
    void explicitListsKeepTheirLevels() {
        Grid grid = new GridSpec.Explicit(new double[] {14.6, 3.0, 0.3, 0}).build(99, VE, true);
        assertArrayEquals(new double[] {14.6, 3.0, 0.3, 0}, grid.sigmas(), 0);
        assertArrayEquals(new double[] {14.6, 3.0, 0.3}, GridSpecs.named("list", 0, 0, 0,
                new double[] {14.6, 3.0, 0.3}).build(1, VE, false).sigmas(), 0);
    }

    /** DDIM's skip_type: uniform range(0, T, T/N) and quadratic ⌊linspace(0, √(0.8T), N)²⌋. */
    @Test
    void respacedGridsUseTheChainsOwnTimesteps() {
        DiscreteSchedule chain = DiscreteSchedule.linear(1e-4, 0.02, 1000);
        double[] training = chain.trainingSigmas();
        Grid uniform = GridSpecs.named("respaced-uniform", 0, 0, 0, null).build(10, chain, true);
        for (int i = 0; i < 10; i++) {
            assertEquals(training[900 - 100 * i], uniform.sigma(i), 0);
        }
        assertEquals(0, uniform.sigma(10));
        int[] quadratic = {0, 9, 39, 88, 158, 246, 355, 483, 632, 800};
        Grid quad = new GridSpec.Respaced(GridSpec.Respaced.Skip.QUADRATIC).build(10, chain, true);
        for (int i = 0; i < 10; i++) {
            assertEquals(training[quadratic[9 - i]], quad.sigma(i), 0);
        }
        assertTrue(assertThrows(InvalidGridException.class, () -> new GridSpec.Respaced(
                GridSpec.Respaced.Skip.QUADRATIC).build(500, chain, true)).getMessage().contains("repeats timestep"));
        assertTrue(assertThrows(InvalidGridException.class, () -> new GridSpec.Respaced(
                GridSpec.Respaced.Skip.UNIFORM).build(5, VE, true)).getMessage().contains("discrete chain"));
    }

    @Test
    void badGridsAreRejectedWithTheOffendingLevel() {
        assertTrue(assertThrows(InvalidGridException.class, () -> Grid.of(5, 3, 3, 0)).getMessage()
                .contains("σ[2] = 3.0 ≥ σ[1] = 3.0"));
        assertTrue(assertThrows(InvalidGridException.class, () -> Grid.of(5, 6, 0)).getMessage()
                .contains("strictly decreasing"));
        assertTrue(assertThrows(InvalidGridException.class, () -> Grid.of(5, -1)).getMessage()
                .contains("σ[1] = -1.0 is negative"));
        assertTrue(assertThrows(InvalidGridException.class, () -> Grid.of(Double.NaN, 1)).getMessage()
                .contains("not finite"));
        assertTrue(assertThrows(InvalidGridException.class, () -> Grid.of(5, 0, 0)).getMessage()
                .contains("only the last may be 0"));
        assertThrows(InvalidGridException.class, () -> Grid.of(5));
        assertThrows(InvalidGridException.class, () -> new GridSpec.Karras(1, 0.5, 7));
        UnknownNameException e = assertThrows(UnknownNameException.class,
                () -> GridSpecs.named("karas", 0.1, 1, 7, null));
        assertTrue(e.getMessage().contains("karras"), e.getMessage());
    }

    /**
     * Li et al.'s step sizes for T = 10, c₀ = 2, c₁ = 4, against values computed independently (seed notes, §3.4):
     * geometric from β_1 = T^{−c₀} = 0.01, then constant c₁·log T/T; the levels are the chain's σ̃_t, T … 1.
     */
    @Test
    void liScheduleHasTheTheoremsStepSizes() {
        GridSpec.LiSchedule li = new GridSpec.LiSchedule();
        assertArrayEquals(new double[] {0.01, 0.0176934, 0.0339896, 0.0652951, 0.125434, 0.240963, 0.462899,
            0.889244, 0.921034, 0.921034}, li.betas(10), 1e-6);
        double[] sigmas = GridSpecs.named("li", 0.002, 80, 7, null).build(10, new VpLinearSchedule(), true).sigmas();
        assertEquals(11, sigmas.length);
        assertEquals(0, sigmas[10]);
        assertEquals(Math.sqrt(0.01 / 0.99), sigmas[9], 1e-15);
        double alphaBar = 1;
        for (double beta : li.betas(10)) {
            alphaBar *= 1 - beta;
        }
        assertEquals(Math.sqrt((1 - alphaBar) / alphaBar), sigmas[0], 1e-9 * sigmas[0]);
        for (int i = 1; i < 10; i++) {
            assertTrue(sigmas[i] < sigmas[i - 1]);
        }
        assertThrows(InvalidGridException.class, () -> new GridSpec.LiSchedule(4, 2));
        assertThrows(InvalidGridException.class, () -> new GridSpec.LiSchedule(0, 2));
    }
}
