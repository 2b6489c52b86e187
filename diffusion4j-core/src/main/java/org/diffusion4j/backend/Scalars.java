package org.diffusion4j.backend;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Scalars that are safe inside an autograd graph. DJL's {@code NDArray op Number} overloads ({@code x.mul(0.5)},
 * {@code x.add(eps)}, {@code x.pow(2)}, {@code x.div(Math.sqrt(d))}) wrap the number in a tensor over a Java direct
 * buffer, without copying, and close it right after the operation, while autograd keeps that tensor for the
 * backward pass. Once the garbage collector frees the buffer, {@code backward()} reads freed memory: with the
 * default G1 collector, runs with the same seed end with different losses and about one in fifteen turns NaN, and a
 * {@code System.gc()} between forward and backward makes it certain (DJL 0.36, PyTorch 2.7.1; DJL's own
 * {@code Activation.swish(x, β)} and {@code Loss.l2Loss()} take this path). Sampling, without a gradient
 * collector, is not affected. The arrays made here are copies owned by the engine, so they stay valid whatever
 * happens to the Java side. Every differentiable class uses these instead of the {@code Number} overloads
 * ({@link Differentiable}; an architecture test enforces it), and a training step with a forced collection between
 * forward and backward must give the gradients of an undisturbed one (a guard test).
 */
public final class Scalars {
    private Scalars() {}

    /** A 0-d array holding {@code value}, in the dtype and manager of {@code like}. */
    public static NDArray of(NDArray like, double value) {
        return of(like.getManager(), like, value);
    }

    /** A 0-d array holding {@code value} in {@code manager}, in the dtype of {@code like}. */
    public static NDArray of(NDManager manager, NDArray like, double value) {
        return NativeArrays.of(manager, new double[] {value}, new Shape(), like.getDataType());
    }

    /** {@code x · value}, safe under autograd. */
    public static NDArray times(NDArray x, double value) {
        return x.mul(of(x, value));
    }

    /** {@code x + value}, safe under autograd. */
    public static NDArray plus(NDArray x, double value) {
        return x.add(of(x, value));
    }
}
