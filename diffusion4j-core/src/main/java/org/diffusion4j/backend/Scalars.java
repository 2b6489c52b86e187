package org.diffusion4j.backend;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Scalars that are safe inside an autograd graph. DJL's {@code NDArray op Number} overloads wrap the number in a
 * tensor over a Java buffer and close it right after the operation, while autograd keeps the tensor for the
 * backward pass: once the garbage collector frees the buffer, gradients read freed memory (see the project's
 * notes on the engine). The arrays made here are copies owned by the engine, so they stay valid whatever happens to
 * the Java side. Every differentiable class uses these instead of the {@code Number} overloads; an architecture
 * test enforces it.
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
