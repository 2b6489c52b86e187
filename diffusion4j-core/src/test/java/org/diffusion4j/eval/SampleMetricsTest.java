package org.diffusion4j.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.diffusion4j.backend.Backend;
import org.junit.jupiter.api.Test;

class SampleMetricsTest {

    private static double[][] gaussian(int n, int d, long seed, double[] scale) {
        SplittableRandom r = new SplittableRandom(seed);
        double[][] out = new double[n][d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                out[i][j] = scale[j] * r.nextGaussian() + 0.3 * j;
            }
        }
        return out;
    }

    /** FD(a, a + c) = ‖c‖² and FD(a, k·a) = (1 − k)²(‖μ‖² + Tr C): exact identities of the formula. */
    @Test
    void frechetDistanceOfShiftsAndScalings() {
        double[][] a = gaussian(500, 4, 1, new double[] {1, 2, 0.5, 1.5});
        assertEquals(0, FrechetDistance.between(a, a), 1e-9);
        double[] c = {0.5, -1, 0, 2};
        double[][] shifted = Arrays.stream(a).map(row -> {
            double[] out = row.clone();
            for (int j = 0; j < 4; j++) {
                out[j] += c[j];
            }
            return out;
        }).toArray(double[][]::new);
        assertEquals(0.25 + 1 + 4, FrechetDistance.between(a, shifted), 1e-9);
        double k = 1.7;
        double[][] scaled = Arrays.stream(a).map(row -> Arrays.stream(row).map(v -> k * v).toArray())
                .toArray(double[][]::new);
        double meanSq = 0;
        double trace = 0;
        for (int j = 0; j < 4; j++) {
            double m = 0;
            for (double[] row : a) {
                m += row[j] / a.length;
            }
            double v = 0;
            for (double[] row : a) {
                v += (row[j] - m) * (row[j] - m) / (a.length - 1);
            }
            meanSq += m * m;
            trace += v;
        }
        assertEquals((1 - k) * (1 - k) * (meanSq + trace), FrechetDistance.between(a, scaled), 1e-8);
    }

    /** Between two Gaussians given by their moments: ‖μ₁ − μ₂‖² + Tr(C₁ + C₂ − 2(C₁C₂)^{½}), here diagonal. */
    /** A NaN among the features is named instead of failing deep in an eigensolver. */
    @Test
    void frechetDistanceRefusesNonFiniteFeatures() {
        double[][] a = gaussian(20, 3, 1, new double[] {0, 0, 0});
        double[][] b = gaussian(20, 3, 1, new double[] {1, 0, 0});
        b[7][1] = Double.NaN;
        org.diffusion4j.InvalidArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
                org.diffusion4j.InvalidArgumentException.class, () -> FrechetDistance.between(a, b));
        assertEquals("a Fréchet distance needs finite features, got NaN (are the samples finite?)", e.getMessage());
    }

    @Test
    void frechetDistanceOfMoments() {
        double[] m1 = {0, 1};
        double[] m2 = {3, -1};
        double[][] c1 = {{4, 0}, {0, 1}};
        double[][] c2 = {{1, 0}, {0, 9}};
        // 9 + 4 + (4 + 1 − 2·2) + (1 + 9 − 2·3) = 13 + 1 + 4
        assertEquals(18, FrechetDistance.between(m1, c1, m2, c2), 1e-12);
        assertEquals(0, FrechetDistance.between(m1, c1, m1, c1), 1e-12);
    }

    @Test
    void precisionAndRecallSeeModesAndCoverage() {
        double[][] real = gaussian(400, 2, 3, new double[] {1, 1});
        double[][] generated = gaussian(400, 2, 4, new double[] {1, 1});
        double[][] collapsed = gaussian(400, 2, 5, new double[] {0.05, 0.05});
        double[][] far = Arrays.stream(generated).map(r -> new double[] {r[0] + 50, r[1]}).toArray(double[][]::new);
        try (NDManager m = Backend.newManager()) {
            PrecisionRecall.Result same = PrecisionRecall.of(real, generated, 3, m);
            assertTrue(same.precision() > 0.9 && same.recall() > 0.9, same.toString());
            PrecisionRecall.Result mode = PrecisionRecall.of(real, collapsed, 3, m);
            assertTrue(mode.precision() > 0.95 && mode.recall() < 0.2, "mode collapse: " + mode);
            PrecisionRecall.Result off = PrecisionRecall.of(real, far, 3, m);
            assertEquals(0, off.precision(), 0);
            assertEquals(0, off.recall(), 0);
        }
    }

    @Test
    void mmdSeparatesDistributions() {
        double[][] a = gaussian(300, 2, 6, new double[] {1, 1});
        double[][] b = gaussian(300, 2, 7, new double[] {1, 1});
        double[][] wide = gaussian(300, 2, 8, new double[] {2, 2});
        double same = Mmd.squared(a, b);
        double different = Mmd.squared(a, wide);
        assertTrue(Math.abs(same) < 0.02, "same law: " + same);
        assertTrue(different > 10 * Math.abs(same) && different > 0.05, "different laws: " + different);
    }
}
