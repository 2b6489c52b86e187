package org.diffusion4j.finetune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.sample.AncestralStep;
import org.junit.jupiter.api.Test;

class SdeGrpoUpdateTest {

    /** η = 1 gives DDPM's posterior noise σ'²(σ² − σ'²)/σ², and the two parts always make up σ'. */
    @Test
    void theAncestralStepSplitsTheNextLevel() {
        AncestralStep a = AncestralStep.of(2.0, 0.5, 1);
        assertEquals(0.25 * (4 - 0.25) / 4, a.up() * a.up(), 1e-15);
        assertEquals(0.25, a.up() * a.up() + a.down() * a.down(), 1e-15);
        AncestralStep half = AncestralStep.of(2.0, 0.5, 0.5);
        assertEquals(a.up() / 2, half.up(), 1e-15);
        assertEquals(0.25, half.up() * half.up() + half.down() * half.down(), 1e-15);
        AncestralStep capped = AncestralStep.of(1.0, 0.9, 1);
        assertEquals(0.9 * Math.sqrt(1 - 0.81), capped.up(), 1e-15);
    }

    /** The mean over a sample's values of log N(x'; μ, s²), with its constants. */
    @Test
    void theLogLikelihoodIsTheGaussianAveragedOverValues() {
        try (NDManager m = Backend.newManager()) {
            double[] next = {0.5, -1.0, 2.0, 0.0, 1.0, 1.0};
            double[] mean = {0.0, 0.0, 1.0, 0.0, 1.5, 0.5};
            double s = 0.7;
            NDArray lp = SdeGrpoUpdate.logLikelihood(m.create(next, new Shape(2, 3)), m.create(mean, new Shape(2, 3)),
                    s);
            double[] expected = new double[2];
            for (int i = 0; i < 2; i++) {
                for (int j = 0; j < 3; j++) {
                    double d = next[3 * i + j] - mean[3 * i + j];
                    expected[i] += (-d * d / (2 * s * s) - Math.log(s) - 0.5 * Math.log(2 * Math.PI)) / 3;
                }
            }
            assertArrayEquals(expected, lp.toType(DataType.FLOAT64, false).toDoubleArray(), 1e-12);
        }
    }
}
