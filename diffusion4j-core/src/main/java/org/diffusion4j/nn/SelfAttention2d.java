package org.diffusion4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import org.diffusion4j.backend.Scalars;

/**
 * Single-head self-attention over the positions of a feature map (as in DDPM's and EDM's U-Nets):
 * q, k, v = 1×1 convolutions of GroupNorm(x); {@code out = x + proj(v·softmax(qᵀk/√C)ᵀ)}, the projection
 * zero-initialized so the block starts as the identity.
 */
public final class SelfAttention2d {
    private final GroupNorm norm;
    private final Conv qkv;
    private final Conv projection;
    private final int channels;

    public SelfAttention2d(Weights.Scope scope, int channels) {
        this.channels = channels;
        this.norm = new GroupNorm(scope.scope("norm"), channels);
        this.qkv = new Conv(scope.scope("qkv"), channels, 3 * channels, 1, 1, 1);
        this.projection = new Conv(scope.scope("proj"), channels, channels, 1, 1, 0);
    }

    public NDArray apply(NDArray x) {
        Shape shape = x.getShape();
        long batch = shape.get(0);
        long positions = shape.get(2) * shape.get(3);
        NDArray qkvs = qkv.apply(norm.apply(x)).reshape(batch, 3, channels, positions);
        NDArray q = qkvs.get(":, 0");
        NDArray k = qkvs.get(":, 1");
        NDArray v = qkvs.get(":, 2");
        NDArray scores = Scalars.times(q.transpose(0, 2, 1).batchMatMul(k), 1 / Math.sqrt(channels));
        NDArray weights = scores.softmax(2);
        NDArray attended = v.batchMatMul(weights.transpose(0, 2, 1)).reshape(shape);
        return x.add(projection.apply(attended));
    }
}
