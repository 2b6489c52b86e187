package org.diffusion4j.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.data.ImageSet;
import org.diffusion4j.denoise.Denoiser;
import org.junit.jupiter.api.Test;

/**
 * On two classes of Gaussian data, x_0 | c ~ N(μ_c, s²) per value, the exact conditional denoiser
 * D(x; σ, c) = μ_c + s²/(s² + σ²)·(x − μ_c) has the closed-form error s²σ²/(s² + σ²): the measured table matches it
 * within Monte Carlo error at every level, and at large σ meets the class means' error s².
 */
class DenoisingErrorTest {
    private static final double[] MEANS = {-0.5, 0.5};
    private static final double S = 0.4;
    private static final int N = 2000;
    private static final int VALUES = 4;

    private static ImageSet data() {
        SplittableRandom random = new SplittableRandom(11);
        float[] values = new float[N * VALUES];
        int[] labels = new int[N];
        for (int i = 0; i < N; i++) {
            labels[i] = i % 2;
            for (int j = 0; j < VALUES; j++) {
                values[i * VALUES + j] = (float) (MEANS[labels[i]] + S * random.nextGaussian());
            }
        }
        return new ImageSet(values, labels, new Shape(1, 2, 2), 2, "two gaussians");
    }

    /** The exact denoiser of the batch's classes, or with {@code shift} added to every class mean (a wrong one). */
    private static Function<int[], Denoiser> exact(double shift) {
        return classes -> (x, sigma) -> {
            double[] mu = Arrays.stream(classes).mapToDouble(c -> MEANS[c] + shift).toArray();
            NDArray means = x.getManager().create(mu).toType(x.getDataType(), false).reshape(classes.length, 1, 1, 1);
            double k = S * S / (S * S + sigma * sigma);
            return x.sub(means).mul(x.getManager().create((float) k)).add(means);
        };
    }

    @Test
    void theExactDenoiserMeetsItsClosedForm() {
        double[] sigmas = {0.05, 0.4, 2, 1000};
        try (NDManager manager = Backend.newManager()) {
            DenoisingError.Table table = DenoisingError.measure(exact(0), data(), N, sigmas, 3, 64, manager);
            assertEquals(N, table.samples());
            for (DenoisingError.Level level : table.levels()) {
                double s2 = level.sigma() * level.sigma();
                double expected = S * S * s2 / (S * S + s2);
                // N·VALUES = 8000 squared Gaussian errors: relative standard deviation √(2/8000) ≈ 1.6%
                assertEquals(expected, level.error(), 0.05 * expected, "σ = " + level.sigma());
            }
            assertEquals(S * S, table.classMeanError(), 0.05 * S * S);
            double far = table.levels().get(3).error();
            assertEquals(table.classMeanError(), far, 0.05 * far, "at σ = 1000 the denoiser is the class mean");

            DenoisingError.Table wrong = DenoisingError.measure(exact(0.3), data(), N, sigmas, 3, 64, manager);
            assertEquals(S * S + 0.09, wrong.levels().get(3).error(), 0.05 * (S * S + 0.09),
                    "a denoiser with shifted means pays the shift squared at large σ");
            assertTrue(wrong.levels().get(3).error() > 1.3 * wrong.classMeanError());
        }
    }

    @Test
    void theSameSeedAndBatchGiveTheSameTable() {
        double[] sigmas = {0.1, 1};
        try (NDManager manager = Backend.newManager()) {
            DenoisingError.Table a = DenoisingError.measure(exact(0), data(), 200, sigmas, 7, 64, manager);
            DenoisingError.Table b = DenoisingError.measure(exact(0), data(), 200, sigmas, 7, 64, manager);
            DenoisingError.Table other = DenoisingError.measure(exact(0), data(), 200, sigmas, 8, 64, manager);
            assertEquals(a, b);
            assertTrue(a.levels().get(1).error() != other.levels().get(1).error());
        }
    }

    @Test
    void badArgumentsAreRefusedByName() {
        try (NDManager manager = Backend.newManager()) {
            ImageSet data = data();
            String many = assertThrows(InvalidArgumentException.class,
                    () -> DenoisingError.measure(exact(0), data, N + 1, new double[] {1}, 0, 64, manager))
                    .getMessage();
            assertTrue(many.contains("1 to 2000 samples of two gaussians, got 2001"), many);
            String level = assertThrows(InvalidArgumentException.class,
                    () -> DenoisingError.measure(exact(0), data, 10, new double[] {1, 0}, 0, 64, manager))
                    .getMessage();
            assertTrue(level.contains("positive and finite, got 0.0"), level);
        }
    }
}
