package org.diffusion4j.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.LongConsumer;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.data.BatchOrder;
import org.diffusion4j.data.ImageSet;
import org.diffusion4j.nn.ClassifierNetwork;
import org.diffusion4j.nn.Weights;

/**
 * Training of the image classifiers whose features and predictions the evaluation measures in
 * ({@code eval.Classifier}): the classifier's own training loop, on the training side of the layers.
 */
public final class ClassifierTraining {
    private ClassifierTraining() {}

    /**
     * A trained classifier network, its native memory and its sidecar description (data, settings, command).
     *
     * @param manager owns the network's weights; whoever takes the result closes it
     * @param network the trained network
     * @param info the sidecar description
     */
    public record Result(NDManager manager, ClassifierNetwork network, ObjectNode info) {}

    /** The cross-entropy of the labels under the network's logits (with dropout), averaged over the batch. */
    public static NDArray loss(ClassifierNetwork network, NDArray images, NDArray labels) {
        NDArray logProbabilities = network.logits(images, true).logSoftmax(1);
        NDArray picked = logProbabilities.mul(labels.oneHot(network.config().classes(),
                logProbabilities.getDataType()));
        return picked.sum(new int[] {1}).mean().neg();
    }

    /**
     * Trains a classifier: AdamW (lr 1e-3), batch 64, cross-entropy, random shifts of up to 2 pixels (along both
     * axes, or for spectrograms, {@code shiftRows} false, only along time, the columns: a shift in frequency would
     * change what is said), dropout on the features; everything random from {@code seed} and the step. The sidecar
     * records the data, the settings and {@code command}.
     */
    public static Result train(ImageSet train, ImageSet test, int features, long steps, long seed, boolean shiftRows,
            String command, LongConsumer progress) {
        Shape shape = train.sampleShape();
        ClassifierNetwork.Config config = new ClassifierNetwork.Config((int) shape.get(0), (int) shape.get(1),
                train.classes(), features);
        NDManager manager = Backend.newManager();
        ClassifierNetwork network = new ClassifierNetwork(config, Weights.initialize(manager, DataType.FLOAT32, seed));
        network.weights().requireGradients(true);
        AdamW adam = new AdamW(network.weights().all(), manager, 0.9, 0.999, 1e-8, 1e-4);
        BatchOrder order = new BatchOrder(train.size(), 64, seed);
        for (long step = 0; step < steps; step++) {
            try (NDManager s = manager.newSubManager()) {
                SplittableRandom random = new SplittableRandom(seed * 31 + step);
                int[] indices = order.batch(step);
                NDArray images = s.create(shifted(train, indices, random, shiftRows),
                        train.batchShape(indices.length));
                NDArray labels = train.labelBatch(s, indices);
                Backend.seedEngine(seed * 17 + step);
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    collector.backward(loss(network, images, labels));
                }
                double lr = 1e-3 * Math.min(1.0, (step + 1) / 200.0) * (step > steps * 3 / 4 ? 0.1 : 1);
                adam.update(network.weights().all(), lr);
                Gradients.zero(network.weights().all());
            }
            progress.accept(step + 1);
        }
        network.weights().requireGradients(false);
        ObjectNode info = TrainingConfig.JSON.createObjectNode();
        info.put("dataset", train.name());
        info.put("channels", config.channels());
        info.put("resolution", config.resolution());
        info.put("classes", config.classes());
        info.put("features", config.features());
        info.put("train_images", train.size());
        info.put("test_images", test.size());
        info.put("steps", steps);
        info.put("seed", seed);
        info.put("command", command);
        return new Result(manager, network, info);
    }

    /**
     * The batch with each image shifted by up to 2 pixels along each axis, or only along the columns (zeros, i.e. −1,
     * shifted in).
     */
    private static float[] shifted(ImageSet set, int[] indices, SplittableRandom random, boolean shiftRows) {
        int c = (int) set.sampleShape().get(0);
        int h = (int) set.sampleShape().get(1);
        int w = (int) set.sampleShape().get(2);
        int per = c * h * w;
        float[] out = new float[indices.length * per];
        Arrays.fill(out, -1f);
        for (int i = 0; i < indices.length; i++) {
            int dy = random.nextInt(5) - 2;
            int dx = random.nextInt(5) - 2;
            if (!shiftRows) {
                dy = 0;
            }
            for (int ch = 0; ch < c; ch++) {
                for (int y = 0; y < h; y++) {
                    int sy = y - dy;
                    if (sy < 0 || sy >= h) {
                        continue;
                    }
                    for (int x = 0; x < w; x++) {
                        int sx = x - dx;
                        if (sx >= 0 && sx < w) {
                            out[i * per + ch * h * w + y * w + x] =
                                    set.values()[indices[i] * per + ch * h * w + sy * w + sx];
                        }
                    }
                }
            }
        }
        return out;
    }

}
