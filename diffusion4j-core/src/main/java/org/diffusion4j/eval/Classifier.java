package org.diffusion4j.eval;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.LongConsumer;
import org.diffusion4j.DiffusionException;
import org.diffusion4j.UnknownNameException;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.backend.Differentiable;
import org.diffusion4j.data.BatchOrder;
import org.diffusion4j.data.ImageSet;
import org.diffusion4j.io.AtomicFiles;
import org.diffusion4j.io.FileFormatException;
import org.diffusion4j.io.Safetensors;
import org.diffusion4j.nn.ClassifierNetwork;
import org.diffusion4j.nn.Weights;
import org.diffusion4j.train.AdamW;
import org.diffusion4j.train.Gradients;
import org.diffusion4j.train.TrainingConfig;

/**
 * A trained image classifier: its predictions measure the class accuracy of conditional samples, and its feature
 * layer is the space of the Fréchet distance and precision/recall. One is shipped for MNIST and one for
 * Fashion-MNIST ({@link #bundled}), each with the command that trained it in its JSON sidecar.
 */
@Differentiable
public final class Classifier implements AutoCloseable {
    /** Datasets with a shipped classifier. */
    public static final List<String> BUNDLED = List.of("mnist", "fashion");

    private final NDManager manager;
    private final ClassifierNetwork network;
    private final ObjectNode info;

    private Classifier(NDManager manager, ClassifierNetwork network, ObjectNode info) {
        this.manager = manager;
        this.network = network;
        this.info = info;
    }

    /** The shipped classifier of {@code dataset} ({@code mnist} or {@code fashion}). */
    public static Classifier bundled(String dataset) {
        if (!BUNDLED.contains(dataset)) {
            throw new UnknownNameException("classifier", dataset, BUNDLED);
        }
        try (InputStream weights = Classifier.class.getResourceAsStream("classifier-" + dataset + ".safetensors");
                InputStream sidecar = Classifier.class.getResourceAsStream("classifier-" + dataset + ".json")) {
            if (weights == null || sidecar == null) {
                throw new DiffusionException("the " + dataset + " classifier is not bundled in this build");
            }
            Path dir = Files.createTempDirectory("d4j-classifier");
            Path file = dir.resolve("classifier.safetensors");
            Files.copy(weights, file);
            Path json = dir.resolve("classifier.json");
            Files.copy(sidecar, json);
            Classifier classifier = load(file, json);
            Files.delete(file);
            Files.delete(json);
            Files.delete(dir);
            return classifier;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A classifier saved by {@link #save}. */
    public static Classifier load(Path weightsFile, Path sidecar) {
        ObjectNode info;
        try {
            info = (ObjectNode) TrainingConfig.JSON.readTree(sidecar.toFile());
        } catch (IOException | ClassCastException e) {
            throw new FileFormatException(sidecar, "not a classifier description (" + e.getMessage() + ")", e);
        }
        ClassifierNetwork.Config config = new ClassifierNetwork.Config(info.path("channels").asInt(),
                info.path("resolution").asInt(), info.path("classes").asInt(), info.path("features").asInt());
        NDManager manager = Backend.newManager();
        try {
            Map<String, NDArray> arrays = Safetensors.read(weightsFile, manager);
            return new Classifier(manager, new ClassifierNetwork(config,
                    Weights.from(arrays, manager, DataType.FLOAT32, weightsFile.toString())), info);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** What the sidecar says: dataset, test accuracy, the command that trained it. */
    public ObjectNode info() {
        return info.deepCopy();
    }

    /** Feature vectors of images (n × C × H × W, values in [−1, 1], flattened), in batches. */
    public double[][] features(float[] images, int n) {
        double[][] out = new double[n][];
        forEachBatch(images, n, (from, batch) -> {
            double[] f = network.features(batch).toType(DataType.FLOAT64, false).toDoubleArray();
            int width = network.config().features();
            for (int i = 0; i < batch.getShape().get(0); i++) {
                out[from + i] = Arrays.copyOfRange(f, i * width, (i + 1) * width);
            }
        });
        return out;
    }

    /** The predicted class of each image. */
    public int[] predict(float[] images, int n) {
        int[] out = new int[n];
        forEachBatch(images, n, (from, batch) -> {
            long[] arg = network.logits(batch, false).argMax(1).toType(DataType.INT64, false).toLongArray();
            for (int i = 0; i < arg.length; i++) {
                out[from + i] = (int) arg[i];
            }
        });
        return out;
    }

    /** Fraction of images classified as their label. */
    public double accuracy(ImageSet set) {
        int[] predicted = predict(set.values(), set.size());
        int right = 0;
        for (int i = 0; i < predicted.length; i++) {
            right += predicted[i] == set.labels()[i] ? 1 : 0;
        }
        return (double) right / predicted.length;
    }

    private interface BatchConsumer {
        void accept(int from, NDArray batch);
    }

    private void forEachBatch(float[] images, int n, BatchConsumer consumer) {
        ClassifierNetwork.Config c = network.config();
        int per = c.channels() * c.resolution() * c.resolution();
        if (images.length != (long) n * per) {
            throw new org.diffusion4j.ShapeMismatchException(n + " images of " + c.channels() + " × " + c.resolution()
                    + " × " + c.resolution() + " need " + (long) n * per + " values, got " + images.length);
        }
        int size = 256;
        for (int from = 0; from < n; from += size) {
            int to = Math.min(n, from + size);
            try (NDManager step = manager.newSubManager()) {
                NDArray batch = step.create(Arrays.copyOfRange(images, from * per, to * per),
                        new Shape(to - from, c.channels(), c.resolution(), c.resolution()));
                consumer.accept(from, batch);
            }
        }
    }

    /** Writes the weights and the sidecar description, atomically. */
    public void save(Path weightsFile, Path sidecar) {
        Safetensors.write(weightsFile, network.weights().all());
        AtomicFiles.writeString(sidecar, info.toPrettyString() + "\n");
    }

    /**
     * Trains a classifier: AdamW (lr 1e-3), batch 64, cross-entropy, random shifts of up to 2 pixels, dropout on the
     * features; everything random from {@code seed} and the step. Reports its accuracy on {@code test}.
     */
    public static Classifier train(ImageSet train, ImageSet test, int features, long steps, long seed,
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
                NDArray images = s.create(shifted(train, indices, random), train.batchShape(indices.length));
                NDArray labels = train.labelBatch(s, indices);
                Backend.seedEngine(seed * 17 + step);
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    NDArray logProbabilities = network.logits(images, true).logSoftmax(1);
                    NDArray picked = logProbabilities.mul(labels.oneHot(config.classes(), DataType.FLOAT32));
                    collector.backward(picked.sum(new int[] {1}).mean().neg());
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
        Classifier classifier = new Classifier(manager, network, info);
        info.put("test_accuracy", classifier.accuracy(test));
        return classifier;
    }

    /** The batch with each image shifted by up to 2 pixels in each direction (zeros, i.e. −1, shifted in). */
    private static float[] shifted(ImageSet set, int[] indices, SplittableRandom random) {
        int c = (int) set.sampleShape().get(0);
        int h = (int) set.sampleShape().get(1);
        int w = (int) set.sampleShape().get(2);
        int per = c * h * w;
        float[] out = new float[indices.length * per];
        Arrays.fill(out, -1f);
        for (int i = 0; i < indices.length; i++) {
            int dy = random.nextInt(5) - 2;
            int dx = random.nextInt(5) - 2;
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

    @Override
    public void close() {
        manager.close();
    }
}
