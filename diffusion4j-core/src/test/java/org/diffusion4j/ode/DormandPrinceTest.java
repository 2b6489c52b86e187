package org.diffusion4j.ode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.diffusion4j.DiffusionException;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.denoise.GaussianMixture;
import org.junit.jupiter.api.Test;

class DormandPrinceTest {

    /** y' = cos(t)·y has y(t) = y0·exp(sin t); the global error follows the tolerance down. */
    @Test
    void meetsItsToleranceOnAKnownSolution() {
        try (NDManager m = Backend.newManager()) {
            NDArray y0 = m.create(new double[] {1, -2, 0.5}, new Shape(3));
            double previous = Double.POSITIVE_INFINITY;
            for (double tol : new double[] {1e-4, 1e-7, 1e-10}) {
                DormandPrince.Solution s = DormandPrince.withTolerance(tol, tol).solve((t, y) -> y.mul(Math.cos(t)),
                        y0, 0, 10);
                double exact = Math.exp(Math.sin(10));
                double[] y = s.y().toDoubleArray();
                double error = Math.max(Math.abs(y[0] - exact), Math.abs(y[1] + 2 * exact));
                assertTrue(error < 50 * tol, "tol " + tol + ": error " + error);
                assertTrue(error < previous);
                previous = error;
                assertEquals(6 * (s.accepted() + s.rejected()) + 2, s.evaluations());
            }
        }
    }

    @Test
    void integratesBackwardInTime() {
        try (NDManager m = Backend.newManager()) {
            NDArray y1 = m.create(new double[] {Math.exp(-1)}, new Shape(1));
            double y = DormandPrince.withTolerance(1e-10, 1e-12).solve((t, x) -> x.neg(), y1, 1, 0).y().getDouble(0);
            assertEquals(1, y, 1e-9);
        }
    }

    /**
     * For one Gaussian N(μ, v) the probability flow is x(σ) − μ = (x(σ₀) − μ)·√((v + σ²)/(v + σ₀²)); the
     * reference solver used by the sampler benchmark reproduces it to 1e-9.
     */
    @Test
    void probabilityFlowOfAGaussianIsExact() {
        GaussianMixture single = new GaussianMixture(new double[] {1}, new double[][] {{0.5, -1}},
                new double[][] {{0.2, 0.05}});
        try (NDManager m = Backend.newManager()) {
            NDArray x = m.randomNormal(0, 80, new Shape(16, 2), DataType.FLOAT64);
            DormandPrince solver = new DormandPrince(1e-10, 1e-10, DormandPrince.ErrorNorm.MAX, 100_000);
            NDArray y = ProbabilityFlow.solve((z, s) -> single.posteriorMean(z, 1, s), x, 80, 0.002, solver).y();
            double[] start = x.toDoubleArray();
            double[] end = y.toDoubleArray();
            double[] mu = {0.5, -1};
            double[] v = {0.2, 0.05};
            for (int i = 0; i < start.length; i++) {
                int k = i % 2;
                double exact = mu[k] + (start[i] - mu[k]) * Math.sqrt((v[k] + 0.002 * 0.002) / (v[k] + 80 * 80));
                assertEquals(exact, end[i], 1e-9);
            }
        }
    }

    @Test
    void nonFiniteFieldsAreReported() {
        try (NDManager m = Backend.newManager()) {
            NDArray y0 = m.create(new double[] {1}, new Shape(1));
            DiffusionException e = assertThrows(DiffusionException.class,
                    () -> DormandPrince.withTolerance(1e-6, 1e-6).solve((t, y) -> y.mul(t > 0.5 ? Double.NaN : 1),
                            y0, 0, 1));
            assertTrue(e.getMessage().contains("non-finite"), e.getMessage());
        }
    }
}
