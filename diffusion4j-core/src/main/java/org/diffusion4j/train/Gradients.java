package org.diffusion4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import java.util.Map;
import org.diffusion4j.backend.Scalars;

/**
 * Operations on the gradients the engine accumulates on trainable weights. DJL's own clipping clips each value
 * (one side only on this engine) and its zeroing walks every array of the process; these work on a network's
 * weights, with each temporary freed at once.
 */
public final class Gradients {
    private Gradients() {}

    /** Scales all gradients so their global L2 norm is at most {@code max} (0: no clipping); returns the norm. */
    public static double clipGlobalNorm(Map<String, NDArray> weights, double max) {
        double squares = 0;
        for (NDArray w : weights.values()) {
            try (NDScope scope = new NDScope()) {
                NDArray g = w.getGradient();
                squares += g.mul(g).sum().toType(DataType.FLOAT64, false).getDouble();
            }
        }
        double norm = Math.sqrt(squares);
        if (max > 0 && norm > max) {
            for (NDArray w : weights.values()) {
                try (NDScope scope = new NDScope()) {
                    NDArray g = w.getGradient();
                    g.muli(Scalars.of(g, max / norm));
                }
            }
        }
        return norm;
    }

    /** Sets every gradient to zero, ready for the next backward pass. */
    public static void zero(Map<String, NDArray> weights) {
        for (NDArray w : weights.values()) {
            try (NDScope scope = new NDScope()) {
                NDArray g = w.getGradient();
                g.subi(g);
            }
        }
    }
}
