package org.diffusion4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import org.diffusion4j.backend.Convolutions;

/**
 * A 2-D convolution layer with "same" padding, the only convolution layer of the project: its weight (out, in, k, k)
 * and bias (out) and their initialization. The computation is {@link Convolutions#conv2d}, which works around the
 * engine's wrong input gradients for output channel counts that are not a multiple of
 * {@value Convolutions#CHANNEL_QUANTUM}; the weights keep their logical shape.
 */
public final class Conv {
    private final NDArray weight;
    private final NDArray bias;
    private final int kernel;
    private final int stride;

    /**
     * @param scope where the weight and bias are named
     * @param in input channels
     * @param out output channels
     * @param kernel odd kernel size (padding kernel/2)
     * @param stride 1, or 2 to halve the resolution
     * @param scale initialization scale (0 for a zero-initialized output layer)
     */
    public Conv(Weights.Scope scope, int in, int out, int kernel, int stride, double scale) {
        long fanIn = (long) in * kernel * kernel;
        this.weight = scope.get("weight", new Shape(out, in, kernel, kernel),
                scale == 0 ? Init.zeros() : Init.uniform(fanIn, scale));
        this.bias = scope.get("bias", new Shape(out), Init.zeros());
        this.kernel = kernel;
        this.stride = stride;
    }

    public NDArray apply(NDArray x) {
        return Convolutions.conv2d(x, weight, bias, stride, kernel / 2);
    }
}
