package org.diffusion4j.backend;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Guards of the engine's two convolution faults (see {@link Convolutions}): float32 results against float64 ones
 * (another, correct code path) for the channel counts that break unpadded — outputs that are not a multiple of 16
 * (wrong input gradients) and more than 16 inputs that are not a multiple of 16 (wrong forward results with kernels
 * wider than 1, on Zen 5).
 */
class ConvolutionsTest {

    @ParameterizedTest(name = "in {0}, out {1}, kernel {2}, stride {3}")
    @CsvSource({"24, 16, 3, 1", "20, 8, 3, 1", "40, 3, 3, 1", "17, 32, 3, 2", "24, 16, 1, 1", "8, 1, 3, 1",
        "3, 8, 3, 1", "16, 24, 3, 1", "48, 16, 3, 1"})
    void float32MatchesFloat64ForwardAndBackward(int in, int out, int kernel, int stride) {
        try (NDManager m = Backend.newManager()) {
            Engine.getInstance().setRandomSeed(11);
            NDArray x32 = m.randomNormal(0, 1, new Shape(3, in, 8, 8), DataType.FLOAT32);
            NDArray w32 = m.randomNormal(0, 0.3f, new Shape(out, in, kernel, kernel), DataType.FLOAT32);
            NDArray b32 = m.randomNormal(0, 0.3f, new Shape(out), DataType.FLOAT32);
            NDArray[] y = new NDArray[2];
            NDArray[] dx = new NDArray[2];
            NDArray[] dw = new NDArray[2];
            NDArray probe = null;
            int k = 0;
            for (DataType type : new DataType[] {DataType.FLOAT32, DataType.FLOAT64}) {
                NDArray x = NativeArrays.copy(x32, type);
                NDArray w = NativeArrays.copy(w32, type);
                x.setRequiresGradient(true);
                w.setRequiresGradient(true);
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    NDArray out2 = Convolutions.conv2d(x, w, NativeArrays.copy(b32, type), stride, kernel / 2);
                    if (probe == null) {
                        probe = m.randomNormal(0, 1, out2.getShape(), DataType.FLOAT32);
                    }
                    collector.backward(out2.mul(NativeArrays.copy(probe, type)).sum());
                    y[k] = out2.toType(DataType.FLOAT64, false);
                }
                dx[k] = x.getGradient().toType(DataType.FLOAT64, false);
                dw[k] = w.getGradient().toType(DataType.FLOAT64, false);
                k++;
            }
            assertClose("output", y);
            assertClose("input gradient", dx);
            assertClose("weight gradient", dw);
        }
    }

    private static void assertClose(String what, NDArray[] pair) {
        double error = pair[0].sub(pair[1]).abs().max().getDouble() / pair[1].abs().max().getDouble();
        assertTrue(error < 1e-5, what + ": float32 is off by " + error + " (relative to the largest entry)");
    }
}
