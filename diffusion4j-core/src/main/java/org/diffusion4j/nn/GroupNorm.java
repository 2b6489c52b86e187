package org.diffusion4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Group normalization (Wu &amp; He 2018): channels split into groups, each normalized over its channels and
 * positions (the engine's fused layer normalization applied per group), then a per-channel affine map. As EDM's
 * networks: min(32, C/4) groups, ε = 1e-5.
 */
public final class GroupNorm {
    private static final double EPSILON = 1e-5;

    private final NDArray gamma;
    private final NDArray beta;
    private final int groups;

    public GroupNorm(Weights.Scope scope, int channels) {
        this.groups = Math.max(1, Math.min(32, channels / 4));
        if (channels % groups != 0) {
            throw new IllegalArgumentException(channels + " channels do not split into " + groups + " groups");
        }
        this.gamma = scope.get("weight", new Shape(channels), Init.ones());
        this.beta = scope.get("bias", new Shape(channels), Init.zeros());
    }

    /** Normalizes x of shape (B, C, …). */
    public NDArray apply(NDArray x) {
        Shape shape = x.getShape();
        long batch = shape.get(0);
        long channels = shape.get(1);
        NDArray grouped = x.reshape(batch, groups, -1);
        // the engine's fused layer norm over each group's values, with a neutral affine map of its own
        Shape group = new Shape(grouped.getShape().get(2));
        NDArray ones = x.getManager().ones(group, x.getDataType());
        NDArray zeros = x.getManager().zeros(group, x.getDataType());
        NDArray normalized = grouped.getNDArrayInternal().layerNorm(grouped, group, ones, zeros, (float) EPSILON)
                .singletonOrThrow().reshape(shape);
        long[] affine = new long[shape.dimension()];
        java.util.Arrays.fill(affine, 1);
        affine[1] = channels;
        // the reshaped parameters would belong to the parameters' manager (a result goes to its first operand's),
        // which lives as long as the model: one leaked pair per call in a long-running server. They go to x's.
        NDArray scale = gamma.reshape(new Shape(affine));
        NDArray shift = beta.reshape(new Shape(affine));
        scale.attach(x.getManager());
        shift.attach(x.getManager());
        return normalized.mul(scale).add(shift);
    }
}
