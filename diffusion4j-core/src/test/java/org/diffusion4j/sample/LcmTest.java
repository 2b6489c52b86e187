package org.diffusion4j.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.denoise.Denoiser;
import org.diffusion4j.grid.Grid;
import org.junit.jupiter.api.Test;

/** The re-noising multistep sampler: one level is D(σ_max·z); more levels forget the state but through D. */
class LcmTest {

    @Test
    void oneLevelIsTheDenoiserOfTheStartingNoise() {
        Denoiser half = (x, sigma) -> x.mul(0.5).add(sigma);
        try (NDManager m = Backend.newManager()) {
            long[] seeds = {1, 2, 3};
            float[] start = Sampling.of(new Lcm(), (x, sigma) -> x, Grid.of(new double[] {80, 0}))
                    .generate(seeds, new Shape(4), DataType.FLOAT32, m).samples().toFloatArray();
            Sampling.Result r = Sampling.of(new Lcm(), half, Grid.of(new double[] {80, 0}))
                    .generate(seeds, new Shape(4), DataType.FLOAT32, m);
            float[] expected = new float[start.length];
            for (int i = 0; i < start.length; i++) {
                expected[i] = 0.5f * start[i] + 80;
            }
            assertArrayEquals(expected, r.samples().toFloatArray(), 1e-4f);
            assertEquals(1, r.evaluations());
        }
    }

    /**
     * D(x; σ) = x/2 on the levels 80, 10, 1, 0: x₁ = x₀/2 + 10·z₁, x₂ = x₁/2 + z₂, output x₂/2, whose variance is
     * ¼(¼(¼·6400 + 100) + 1) = 106.5 per coordinate.
     */
    @Test
    void eachStepRenoisesTheEstimateToTheNextLevel() {
        Denoiser half = (x, sigma) -> x.mul(0.5);
        int n = 20_000;
        long[] seeds = new long[n];
        for (int i = 0; i < n; i++) {
            seeds[i] = i;
        }
        try (NDManager m = Backend.newManager()) {
            Sampling.Result r = Sampling.of(new Lcm(), half, Grid.of(new double[] {80, 10, 1, 0}))
                    .generate(seeds, new Shape(1), DataType.FLOAT64, m);
            double[] v = r.samples().toDoubleArray();
            double mean = 0;
            double squares = 0;
            for (double x : v) {
                mean += x / n;
                squares += x * x / n;
            }
            assertEquals(106.5, squares - mean * mean, 0.03 * 106.5);
            assertEquals(3, r.evaluations());
        }
    }
}
