package org.diffusion4j.backend;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;

/**
 * 2-D convolutions as this engine computes them correctly. On the project's machines a float32 convolution whose
 * number of output channels is not a multiple of {@value #CHANNEL_QUANTUM} (1, 3, 4, 8, 17, 24, …) returns wrong
 * input gradients in the backward pass (off by factors of 10–1000, sometimes NaN; oneDNN's AVX-512/AVX2
 * backward-data kernel, seen with PyTorch 2.5.1 and 2.7.1); forward results and weight gradients are right. A
 * network with a 1-channel output head then trains to NaN at the first step, a 3-channel one trains silently
 * wrong. So every convolution computes a multiple of {@value #CHANNEL_QUANTUM} output channels: the weight is
 * padded with zero filters and the extra outputs are sliced away. The padding costs a little compute and nothing in
 * the saved weights ({@code ONEDNN_MAX_CPU_ISA=SSE41} before the JVM starts is also correct, but about 2.4× slower).
 *
 * <p>On AMD Zen 5 processors (CPU family 26) a second fault shows, in the forward pass: a float32 convolution with a
 * kernel wider than 1 and more than {@value #CHANNEL_QUANTUM} input channels that are not a multiple of
 * {@value #CHANNEL_QUANTUM} (17, 20, 24, 28, 36, 40, 56, …) returns outputs 15–30% off (measured here with oneDNN
 * 3.7.1 inside PyTorch 2.7.1; 1 to 16 input channels and the multiples of 16 are right, 1×1 kernels too). A U-Net
 * whose decoder concatenates 16 + 8 channels computes garbage. So input channels above {@value #CHANNEL_QUANTUM} are
 * padded to a multiple of it as well, with zero channels in the input and zero weights. {@code ConvolutionsTest}
 * checks both faults directly, and the gradient test of every network checks them in context. Neither fault shows on
 * an Intel Xeon with AVX-512 FP16 (both tests passed there with the padding removed), where the padding is harmless.
 */
public final class Convolutions {
    /** Output channels are computed in multiples of this. */
    public static final int CHANNEL_QUANTUM = 16;

    private Convolutions() {}

    /** The channels a computation with {@code channels} outputs is padded to. */
    public static int padded(int channels) {
        return (channels + CHANNEL_QUANTUM - 1) / CHANNEL_QUANTUM * CHANNEL_QUANTUM;
    }

    /**
     * The convolution of {@code x} (B, in, H, W) with {@code weight} (out, in, k, k) and {@code bias} (out), with
     * {@code stride} and {@code padding} on both spatial axes; (B, out, H', W'), computed with the output channels,
     * and input channels above {@value #CHANNEL_QUANTUM}, padded to a multiple of {@value #CHANNEL_QUANTUM}.
     */
    public static NDArray conv2d(NDArray x, NDArray weight, NDArray bias, int stride, int padding) {
        Shape shape = weight.getShape();
        int out = (int) shape.get(0);
        int in = (int) shape.get(1);
        int paddedOut = padded(out);
        int paddedIn = in > CHANNEL_QUANTUM ? padded(in) : in;
        NDArray w = weight;
        NDArray b = bias;
        NDArray input = x;
        if (paddedIn != in) {
            Shape xs = x.getShape();
            input = x.concat(x.getManager().zeros(new Shape(xs.get(0), paddedIn - in, xs.get(2), xs.get(3)),
                    x.getDataType()), 1);
            w = w.concat(x.getManager().zeros(new Shape(out, paddedIn - in, shape.get(2), shape.get(3)),
                    weight.getDataType()), 1);
        }
        if (paddedOut != out) {
            Shape extra = new Shape(paddedOut - out, paddedIn, shape.get(2), shape.get(3));
            w = w.concat(x.getManager().zeros(extra, weight.getDataType()), 0);
            b = bias.concat(x.getManager().zeros(new Shape(paddedOut - out), bias.getDataType()), 0);
        }
        // padded weights made from the parameters would belong to the parameters' manager (a result goes to its
        // first operand's), which lives as long as the model; they belong to this call, like x
        if (w != weight) {
            w.attach(x.getManager());
        }
        if (b != bias) {
            b.attach(x.getManager());
        }
        NDArray y = Conv2d.conv2d(input, w, b, new Shape(stride, stride), new Shape(padding, padding),
                new Shape(1, 1), 1).singletonOrThrow();
        return paddedOut == out ? y : y.get(":, 0:" + out);
    }
}
