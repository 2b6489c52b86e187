package org.diffusion4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.norm.Dropout;
import org.diffusion4j.InvalidArgumentException;

/**
 * A small convolutional classifier for 28 × 28 (or any multiple-of-4) images, whose penultimate layer serves as the
 * feature space of the Fréchet distance and precision/recall: four 3 × 3 convolutions (32, 32 with stride 2, 64,
 * 64 with stride 2) with SiLU, a dense feature layer of {@code features} units, dropout, and the class logits.
 */
public final class ClassifierNetwork {
    private final Weights weights;
    private final Conv[] convs;
    private final Dense hidden;
    private final Dense logits;
    private final Config config;

    /**
     * @param channels image channels
     * @param resolution image size (divisible by 4)
     * @param classes number of classes
     * @param features width of the feature layer
     */
    public record Config(int channels, int resolution, int classes, int features) {
        public Config {
            if (channels < 1 || resolution < 4 || resolution % 4 != 0 || classes < 2 || features < 2) {
                throw new InvalidArgumentException("invalid classifier: " + channels + " channels, resolution "
                        + resolution + ", " + classes + " classes, " + features + " features");
            }
        }
    }

    public ClassifierNetwork(Config config, Weights weights) {
        this.config = config;
        this.weights = weights;
        Weights.Scope root = weights.scope("classifier");
        this.convs = new Conv[] {
            new Conv(root.scope("conv1"), config.channels(), 32, 3, 1, 1),
            new Conv(root.scope("conv2"), 32, 32, 3, 2, 1),
            new Conv(root.scope("conv3"), 32, 64, 3, 1, 1),
            new Conv(root.scope("conv4"), 64, 64, 3, 2, 1),
        };
        int flat = 64 * (config.resolution() / 4) * (config.resolution() / 4);
        this.hidden = new Dense(root.scope("features"), flat, config.features(), 1);
        this.logits = new Dense(root.scope("logits"), config.features(), config.classes(), 1);
        weights.finish();
    }

    public Config config() {
        return config;
    }

    public Weights weights() {
        return weights;
    }

    /** The feature vector (after the feature layer's SiLU), shape (B, features). */
    public NDArray features(NDArray images) {
        NDArray h = images;
        for (Conv conv : convs) {
            h = Activations.silu(conv.apply(h));
        }
        long batch = h.getShape().get(0);
        return Activations.silu(hidden.apply(h.reshape(new Shape(batch, -1))));
    }

    /** The class logits, with dropout on the features when training. */
    public NDArray logits(NDArray images, boolean training) {
        NDArray f = features(images);
        if (training) {
            f = Dropout.dropout(f, 0.3f, true).singletonOrThrow();
        }
        return logits.apply(f);
    }
}
