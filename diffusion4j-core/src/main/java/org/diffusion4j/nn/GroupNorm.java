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
        return normalize(x).mul(channelwise(gamma, x)).add(channelwise(beta, x));
    }

    /**
     * {@code apply(x)·scale + shift} with {@code scale} and {@code shift} per sample and channel, (B, C, 1, …): the
     * modulation of a residual block. Computed as {@code x̂·(γ·scale) + (β·scale + shift)}, the per-channel factors
     * combined on the small arrays first, so the full-size tensor is multiplied and shifted once instead of twice.
     */
    public NDArray apply(NDArray x, NDArray scale, NDArray shift) {
        NDArray g = channelwise(gamma, x);
        NDArray b = channelwise(beta, x);
        return normalize(x).mul(g.mul(scale)).add(b.mul(scale).add(shift));
    }

    /** x normalized over each group's channels and positions, before the affine map. */
    private NDArray normalize(NDArray x) {
        Shape shape = x.getShape();
        long batch = shape.get(0);
        NDArray grouped = x.reshape(batch, groups, -1);
        // the engine's fused layer norm over each group's values, with a neutral affine map of its own
        Shape group = new Shape(grouped.getShape().get(2));
        NDArray ones = x.getManager().ones(group, x.getDataType());
        NDArray zeros = x.getManager().zeros(group, x.getDataType());
        return grouped.getNDArrayInternal().layerNorm(grouped, group, ones, zeros, (float) EPSILON)
                .singletonOrThrow().reshape(shape);
    }

    /**
     * A per-channel parameter shaped (1, C, 1, …) to broadcast against x. The reshaped parameter would belong to the
     * parameters' manager (a result goes to its first operand's), which lives as long as the model: one leaked array
     * per call in a long-running server. It goes to x's.
     */
    private static NDArray channelwise(NDArray parameter, NDArray x) {
        long[] affine = new long[x.getShape().dimension()];
        java.util.Arrays.fill(affine, 1);
        affine[1] = parameter.getShape().get(0);
        NDArray reshaped = parameter.reshape(new Shape(affine));
        reshaped.attach(x.getManager());
        return reshaped;
    }
}
