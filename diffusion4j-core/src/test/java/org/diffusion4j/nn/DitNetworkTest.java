package org.diffusion4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.backend.Backend;
import org.junit.jupiter.api.Test;

class DitNetworkTest {

    private static final NetworkConfig.Dit SMALL = new NetworkConfig.Dit(2, 8, 2, 32, 2, 4, 10);

    /** adaLN-Zero: the gates and the output layer start at zero, so the fresh network outputs exactly 0. */
    @Test
    void freshNetworkOutputsExactlyZero() {
        try (NDManager m = Backend.newManager()) {
            Network net = SMALL.initialize(m, DataType.FLOAT32, 1);
            NDArray x = m.randomNormal(0, 1, new Shape(3, 2, 8, 8), DataType.FLOAT32);
            NDArray out = net.forward(x, m.create(new float[] {-2, 0, 3}), m.create(new int[] {0, 9, 10}), false);
            assertEquals(new Shape(3, 2, 8, 8), out.getShape());
            assertEquals(0, out.abs().max().getFloat());
            Network perturbed = PerturbedNetworks.of(SMALL, m, DataType.FLOAT32, 1);
            NDArray moved = perturbed.forward(x, m.create(new float[] {-2, 0, 3}), null, false);
            assertTrue(moved.abs().max().getFloat() > 1e-3, "perturbed weights must move the output");
        }
    }

    /** Token (r, c) holds the pixels of patch (r, c), values in (row, column, channel) order; unpatchify inverts. */
    @Test
    void patchesAreRowMajorAndUnpatchifyInverts() {
        try (NDManager m = Backend.newManager()) {
            NDArray x = m.arange(0f, 2 * 3 * 4 * 4).reshape(2, 3, 4, 4);
            NDArray tokens = DitNetwork.patchify(x, 2);
            assertEquals(new Shape(2, 4, 12), tokens.getShape());
            float[] xs = x.toFloatArray();
            float[] ts = tokens.toFloatArray();
            for (int b = 0; b < 2; b++) {
                for (int r = 0; r < 2; r++) {
                    for (int c = 0; c < 2; c++) {
                        for (int i = 0; i < 2; i++) {
                            for (int j = 0; j < 2; j++) {
                                for (int ch = 0; ch < 3; ch++) {
                                    float pixel = xs[((b * 3 + ch) * 4 + 2 * r + i) * 4 + 2 * c + j];
                                    float token = ts[(b * 4 + r * 2 + c) * 12 + (i * 2 + j) * 3 + ch];
                                    assertEquals(pixel, token);
                                }
                            }
                        }
                    }
                }
            }
            assertArrayEquals(xs, DitNetwork.unpatchify(tokens, 2, 3).toFloatArray());
        }
    }

    /** DiT's layout: the first half of the width encodes the column, the second the row, each as sines then cosines. */
    @Test
    void positionEmbeddingIsDitsSinCosTable() {
        int d = 16;
        double[] table = DitNetwork.sinCosPositions(d, 3);
        int token = 1 * 3 + 2; // row 1, column 2
        for (int k = 0; k < 4; k++) {
            double omega = Math.pow(10000, -k / 4.0);
            assertEquals(Math.sin(2 * omega), table[token * d + k], 1e-15);
            assertEquals(Math.cos(2 * omega), table[token * d + 4 + k], 1e-15);
            assertEquals(Math.sin(omega), table[token * d + 8 + k], 1e-15);
            assertEquals(Math.cos(omega), table[token * d + 12 + k], 1e-15);
        }
    }

    @Test
    void badSizesAreNamed() {
        assertTrue(assertThrows(InvalidArgumentException.class, () -> new NetworkConfig.Dit(1, 28, 3, 64, 2, 4, 0))
                .getMessage().contains("patch size 3 does not divide the resolution 28"));
        assertTrue(assertThrows(InvalidArgumentException.class, () -> new NetworkConfig.Dit(1, 28, 4, 66, 2, 4, 0))
                .getMessage().contains("width 66 must be a multiple of 4 and of the 4 heads"));
    }
}
