package org.diffusion4j.backend;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Copies into memory the engine owns. On this engine {@code toType(sameType, copy = true)} returns an array that
 * shares its storage with the source (a guard test pins this), and arrays made from Java data live in a Java buffer
 * that the garbage collector frees once its array is closed. So: a copy is {@code duplicate()} when the type is
 * unchanged and a conversion otherwise, and Java data is copied out of its buffer before the buffer's array closes.
 */
public final class NativeArrays {
    private NativeArrays() {}

    /** An independent copy of {@code source} in {@code type}, detached from autograd's graph when the type is kept. */
    public static NDArray copy(NDArray source, DataType type) {
        return source.getDataType() == type ? source.duplicate() : source.toType(type, false);
    }

    /**
     * An independent copy of {@code source} in {@code type} through which gradients flow: {@code duplicate()} detaches
     * its result from autograd's graph on this engine (a guard test pins this), so the same type is copied by a
     * multiplication by one. What a restorer uses for its observation, so that an attack can differentiate through it.
     */
    public static NDArray differentiableCopy(NDArray source, DataType type) {
        return source.getDataType() == type ? Scalars.times(source, 1) : source.toType(type, false);
    }

    /**
     * One value per sample of the batch {@code like}, shaped (B, 1, …, 1) to broadcast against it, engine-owned, in
     * its dtype and manager.
     */
    public static NDArray perSample(double[] values, NDArray like) {
        return of(like.getManager(), values, perSampleShape(values.length, like), like.getDataType());
    }

    /** (B, 1, …, 1) with as many axes as {@code like}. */
    public static Shape perSampleShape(int batch, NDArray like) {
        long[] dims = new long[like.getShape().dimension()];
        java.util.Arrays.fill(dims, 1);
        dims[0] = batch;
        return new Shape(dims);
    }

    /** Standard normal values of {@code shape}, float32, drawn from {@code random} in order. */
    public static NDArray standardNormal(java.util.random.RandomGenerator random, Shape shape, NDManager manager) {
        double[] values = new double[Math.toIntExact(shape.size())];
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextGaussian();
        }
        return of(manager, values, shape, DataType.FLOAT32);
    }

    /** An engine-owned array of {@code values} with {@code shape}, in {@code type}, in {@code manager}. */
    public static NDArray of(NDManager manager, double[] values, Shape shape, DataType type) {
        try (NDArray raw = manager.create(values, shape)) {
            return copy(raw, type);
        }
    }
}
