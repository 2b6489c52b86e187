package org.diffusion4j.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.ShapeMismatchException;
import org.diffusion4j.backend.Backend;
import org.junit.jupiter.api.Test;

class NoiseSourceTest {

    private static long[] seeds(int n) {
        long[] s = new long[n];
        for (int i = 0; i < n; i++) {
            s[i] = 7919L * i + 1;
        }
        return s;
    }

    /** W(a→c)·√|c−a| = W(a→b)·√|b−a| + W(b→c)·√|c−b|: the increments come from one Brownian path. */
    @Test
    void brownianIncrementsAreAdditive() {
        try (NDManager m = Backend.newManager()) {
            NDArray like = m.zeros(new Shape(5, 3), DataType.FLOAT64);
            BrownianNoise noise = BrownianNoise.perSample(seeds(5), 0, 100);
            double a = 80;
            double b = 13.7;
            double c = 0.37;
            NDArray ac = noise.sample(like, a, c).mul(Math.sqrt(a - c));
            NDArray ab = noise.sample(like, a, b).mul(Math.sqrt(a - b));
            NDArray bc = noise.sample(like, b, c).mul(Math.sqrt(b - c));
            assertTrue(ac.sub(ab.add(bc)).abs().max().getDouble() < 1e-12);
        }
    }

    /** Normalized increments are standard normal, disjoint ones uncorrelated, overlapping ones correlated. */
    @Test
    void brownianIncrementsHaveTheRightLaw() {
        int n = 20000;
        try (NDManager m = Backend.newManager()) {
            NDArray like = m.zeros(new Shape(n, 1), DataType.FLOAT64);
            BrownianNoise noise = BrownianNoise.perSample(seeds(n), 0, 80);
            double[] first = noise.sample(like, 40, 10).toDoubleArray();
            double[] disjoint = noise.sample(like, 10, 2).toDoubleArray();
            double[] overlap = noise.sample(like, 40, 25).toDoubleArray();
            double se = 1 / Math.sqrt(n);
            assertEquals(0, mean(first), 4 * se);
            assertEquals(1, mean(product(first, first)), 4 * Math.sqrt(2) * se);
            assertEquals(0, mean(product(first, disjoint)), 4 * se);
            // corr(W(40→10), W(40→25)) = 15/√(30·15)
            assertEquals(15 / Math.sqrt(30 * 15), mean(product(first, overlap)), 4 * se);
        }
    }

    @Test
    void gaussianStreamsDependOnlyOnTheirSeed() {
        try (NDManager m = Backend.newManager()) {
            double[] pair = GaussianNoise.perSample(5, 9).latents(m, new Shape(2, 4), DataType.FLOAT64, 1)
                    .toDoubleArray();
            double[] alone = GaussianNoise.perSample(9).latents(m, new Shape(1, 4), DataType.FLOAT64, 1)
                    .toDoubleArray();
            assertArrayEquals(alone, java.util.Arrays.copyOfRange(pair, 4, 8), 0);
            assertThrows(ShapeMismatchException.class,
                    () -> GaussianNoise.perSample(5, 9).latents(m, new Shape(3, 4), DataType.FLOAT64, 1));
        }
    }

    @Test
    void replayedNoiseIsHandedOutInOrderAndChecked() {
        try (NDManager m = Backend.newManager()) {
            NDArray like = m.zeros(new Shape(2, 2), DataType.FLOAT32);
            ReplayNoise replay = new ReplayNoise(List.of(m.ones(new Shape(2, 2)), m.zeros(new Shape(3))));
            assertEquals(4, replay.sample(like, 1, 0.5).sum().getFloat(), 0);
            assertThrows(ShapeMismatchException.class, () -> replay.sample(like, 0.5, 0.1));
            assertThrows(InvalidArgumentException.class, () -> replay.sample(like, 0.1, 0.05));
        }
    }

    private static double[] product(double[] a, double[] b) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i] * b[i];
        }
        return out;
    }

    private static double mean(double[] a) {
        double s = 0;
        for (double v : a) {
            s += v;
        }
        return s / a.length;
    }
}
