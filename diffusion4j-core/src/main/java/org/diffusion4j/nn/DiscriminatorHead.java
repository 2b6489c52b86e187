package org.diffusion4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.Map;
import org.diffusion4j.InvalidArgumentException;

/**
 * A real-vs-generated classifier on a network's bottleneck {@link Network#features}: one logit per sample (DMD2's
 * GAN branch, Yin et al. 2024, §4.3). On image features (B, C, H, W): a stride-2 convolution, group normalization,
 * SiLU, the mean over positions and a linear map to one logit (the authors' head on their 8×8 EDM bottleneck is two
 * strided convolutions down to 1×1; the mean makes the head fit any resolution). On vector features (B, C): linear,
 * SiLU, linear. Its weights are named {@code head.*}.
 */
public final class DiscriminatorHead {
    private final Weights weights;
    private final boolean spatial;
    private final Conv conv;
    private final GroupNorm norm;
    private final Dense hidden;
    private final Dense logit;

    /** A head on {@code weights} of any precision (the factories below make float32 ones). */
    DiscriminatorHead(Weights weights, int channels, boolean spatial) {
        if (channels < 1) {
            throw new InvalidArgumentException("a discriminator head needs at least one feature channel, got "
                    + channels);
        }
        this.weights = weights;
        this.spatial = spatial;
        Weights.Scope root = weights.scope("head");
        this.conv = spatial ? new Conv(root.scope("conv"), channels, channels, 3, 2, 1) : null;
        this.norm = spatial ? new GroupNorm(root.scope("norm"), channels) : null;
        this.hidden = spatial ? null : new Dense(root.scope("hidden"), channels, channels, 1);
        this.logit = new Dense(root.scope("logit"), channels, 1, 1);
        weights.finish();
    }

    /**
     * A head with fresh weights from {@code seed} for features of {@code channels} channels, {@code spatial} for
     * image features (B, C, H, W), otherwise vectors (B, C).
     */
    public static DiscriminatorHead initialize(int channels, boolean spatial, NDManager manager, long seed) {
        return new DiscriminatorHead(Weights.initialize(manager, DataType.FLOAT32, seed), channels, spatial);
    }

    /** A head with saved weights ({@code what} names their origin in errors). */
    public static DiscriminatorHead load(Map<String, NDArray> arrays, int channels, boolean spatial,
            NDManager manager, String what) {
        return new DiscriminatorHead(Weights.from(arrays, manager, DataType.FLOAT32, what), channels, spatial);
    }

    /** One logit per sample, shape (B). */
    public NDArray apply(NDArray features) {
        long batch = features.getShape().get(0);
        if (spatial) {
            if (features.getShape().dimension() != 4) {
                throw new InvalidArgumentException("the head reads image features (B, C, H, W), got "
                        + features.getShape());
            }
            NDArray h = Activations.silu(norm.apply(conv.apply(features)));
            return logit.apply(h.reshape(batch, h.getShape().get(1), -1).mean(new int[] {2})).reshape(batch);
        }
        return logit.apply(Activations.silu(hidden.apply(features))).reshape(batch);
    }

    /** The weights, by name. */
    public Weights weights() {
        return weights;
    }
}
