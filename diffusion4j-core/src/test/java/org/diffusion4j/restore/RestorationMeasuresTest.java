package org.diffusion4j.restore;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.diffusion4j.ShapeMismatchException;
import org.diffusion4j.backend.Backend;
import org.junit.jupiter.api.Test;

/** The restoration measures on cases with known answers. */
class RestorationMeasuresTest {

    @Test
    void distortionOfAKnownError() {
        try (NDManager m = Backend.newManager()) {
            NDArray clean = m.zeros(new Shape(2, 1, 4, 4), DataType.FLOAT64);
            NDArray restored = clean.add(m.create(new double[] {0.1, 0.2}).reshape(2, 1, 1, 1));
            assertArrayEquals(new double[] {0.01, 0.04}, RestorationMeasures.mse(restored, clean), 1e-15);
            // 10·log10(4/0.01) = 26.02 dB; on [0, 1] the error is 0.05, 10·log10(1/0.0025) the same
            assertArrayEquals(new double[] {10 * Math.log10(400), 10 * Math.log10(100)}, RestorationMeasures.psnr(
                    restored, clean), 1e-12);
            assertEquals(Double.POSITIVE_INFINITY, RestorationMeasures.psnr(clean, clean)[0]);
            assertThrows(ShapeMismatchException.class, () -> RestorationMeasures.mse(restored, m.zeros(new Shape(2,
                    1, 4, 5))));
        }
    }

    /** A⁺y is exactly consistent for super-resolution; an image off by a constant c is off by c in the means. */
    @Test
    void consistencyIsTheObservationsRmsResidual() {
        try (NDManager m = Backend.newManager()) {
            RestorationTask sr = new RestorationTask.SuperResolution(4, 0);
            NDArray x = m.randomUniform(-1, 1, new Shape(3, 1, 28, 28), DataType.FLOAT64);
            NDArray y = sr.measure(x);
            assertArrayEquals(new double[3], RestorationMeasures.consistency(sr, sr.prior(y), y), 1e-15);
            NDArray shifted = x.add(m.create(new double[] {0.0, 0.25, -0.5}).reshape(3, 1, 1, 1));
            assertArrayEquals(new double[] {0, 0.25, 0.5}, RestorationMeasures.consistency(sr, shifted, y), 1e-12);
        }
    }

    /** Two samples a and b of a pixel have standard deviation |a − b|/√2; identical samples none. */
    @Test
    void variabilityIsThePerPixelStandardDeviation() {
        try (NDManager m = Backend.newManager()) {
            NDArray first = m.zeros(new Shape(1, 2, 1, 2, 2), DataType.FLOAT64);
            NDArray second = m.create(new double[] {0, 0, 0, 0, 1, 1, 3, 3}, new Shape(1, 2, 1, 2, 2));
            NDArray samples = first.concat(second, 0);
            assertArrayEquals(new double[] {0, 2 / Math.sqrt(2)}, RestorationMeasures.variability(samples), 1e-12);
            assertThrows(ShapeMismatchException.class, () -> RestorationMeasures.variability(first));
        }
    }
}
