package org.diffusion4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;

/**
 * A 2-D convolution with "same" padding, the only convolution factory of the project. Its weight has the logical
 * shape (out, in, k, k), but the engine always computes a multiple of {@value #CHANNEL_QUANTUM} output channels:
 * the weight is padded with zero filters and the extra outputs are sliced away. On these machines a float32
 * convolution with any other number of output channels returns wrong input gradients (off by factors of 10–1000,
 * sometimes NaN; oneDNN's backward-data kernel), which corrupts training silently. The padding costs a little
 * compute and nothing in the saved weights; the float32-versus-float64 gradient test of every network guards it.
 */
public final class Conv {
    /** Output channels are computed in multiples of this. */
    public static final int CHANNEL_QUANTUM = 16;

    private final NDArray weight;
    private final NDArray bias;
    private final int out;
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
        this.out = out;
        this.kernel = kernel;
        this.stride = stride;
    }

    /** The channels a computation with {@code channels} outputs is padded to. */
    public static int padded(int channels) {
        return (channels + CHANNEL_QUANTUM - 1) / CHANNEL_QUANTUM * CHANNEL_QUANTUM;
    }

    public NDArray apply(NDArray x) {
        int padded = padded(out);
        NDArray w = weight;
        NDArray b = bias;
        if (padded != out) {
            Shape extra = new Shape(padded - out, weight.getShape().get(1), kernel, kernel);
            w = weight.concat(x.getManager().zeros(extra, weight.getDataType()), 0);
            b = bias.concat(x.getManager().zeros(new Shape(padded - out), bias.getDataType()), 0);
        }
        NDArray y = Conv2d.conv2d(x, w, b, new Shape(stride, stride), new Shape(kernel / 2, kernel / 2),
                new Shape(1, 1), 1).singletonOrThrow();
        return padded == out ? y : y.get(":, 0:" + out);
    }
}
