package org.diffusion4j.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.diffusion4j.DiffusionException;
import org.diffusion4j.UnknownNameException;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.data.ImageSet;
import org.diffusion4j.io.AtomicFiles;
import org.diffusion4j.io.FileFormatException;
import org.diffusion4j.io.Safetensors;
import org.diffusion4j.io.UserFiles;
import org.diffusion4j.nn.ClassifierNetwork;
import org.diffusion4j.nn.Weights;
import org.diffusion4j.train.ClassifierTraining;
import org.diffusion4j.train.TrainingConfig;

/**
 * A trained image classifier: its predictions measure the class accuracy of conditional samples, and its feature
 * layer is the space of the Fréchet distance and precision/recall. One is shipped for MNIST, one for Fashion-MNIST
 * and one for the spoken digits, which reads clips as {@link #AUDIO_FEATURE} images ({@link #bundled}), each with the
 * command that trained it in its JSON sidecar; {@link ClassifierTraining} trains them.
 */
public final class Classifier implements AutoCloseable {
    /**
     * The audio feature a spoken-digit classifier reads clips as: 32 log-mel bands × 32 frames of 4032 samples at
     * 8 kHz (the defaults of {@code mel}); a generated clip, whatever its model's feature, is encoded this way to be
     * classified.
     */
    public static final String AUDIO_FEATURE = "mel";

    /** Datasets with a shipped classifier. */
    public static final List<String> BUNDLED = List.of("mnist", "fashion", "spoken-digits");

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
            ObjectNode info;
            try {
                info = (ObjectNode) TrainingConfig.JSON.readTree(sidecar);
            } catch (IOException | ClassCastException e) {
                throw new DiffusionException("the bundled " + dataset + " classifier's description is unreadable ("
                        + e.getMessage() + ")", e);
            }
            return of(info, manager -> Safetensors.read(weights, "bundled classifier-" + dataset + ".safetensors",
                    manager), "bundled classifier-" + dataset);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A classifier saved by {@link #save}. */
    public static Classifier load(Path weightsFile, Path sidecar) {
        if (!(UserFiles.readJson(sidecar) instanceof ObjectNode info)) {
            throw new FileFormatException(sidecar, "not a classifier description: expected a JSON object");
        }
        return of(info, manager -> Safetensors.read(weightsFile, manager), weightsFile.toString());
    }

    /** A classifier described by {@code info} whose weights {@code weights} reads ({@code source} names them). */
    private static Classifier of(ObjectNode info, Function<NDManager, Map<String, NDArray>> weights,
            String source) {
        ClassifierNetwork.Config config = new ClassifierNetwork.Config(info.path("channels").asInt(),
                info.path("resolution").asInt(), info.path("classes").asInt(), info.path("features").asInt());
        NDManager manager = Backend.newManager();
        try {
            Map<String, NDArray> arrays = weights.apply(manager);
            return new Classifier(manager, new ClassifierNetwork(config,
                    Weights.from(arrays, manager, DataType.FLOAT32, source)), info);
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

    /** The class probabilities (the softmax of the logits) of each image, as {@link #features} takes them. */
    public double[][] probabilities(float[] images, int n) {
        double[][] out = new double[n][];
        forEachBatch(images, n, (from, batch) -> {
            double[] p = network.logits(batch, false).softmax(1).toType(DataType.FLOAT64, false).toDoubleArray();
            int width = network.config().classes();
            for (int i = 0; i < batch.getShape().get(0); i++) {
                out[from + i] = Arrays.copyOfRange(p, i * width, (i + 1) * width);
            }
        });
        return out;
    }

    /** The number of classes it tells apart. */
    public int classes() {
        return network.config().classes();
    }

    /** The shape (channels, resolution, resolution) of the images it takes. */
    public List<Integer> imageShape() {
        ClassifierNetwork.Config c = network.config();
        return List.of(c.channels(), c.resolution(), c.resolution());
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
     * The classifier a {@link ClassifierTraining} run produced, its sidecar completed with the accuracy on
     * {@code test}; it takes over the training's native memory.
     */
    public static Classifier trained(ClassifierTraining.Result training, ImageSet test) {
        ObjectNode info = training.info().deepCopy();
        Classifier classifier = new Classifier(training.manager(), training.network(), info);
        info.put("test_accuracy", classifier.accuracy(test));
        return classifier;
    }

    @Override
    public void close() {
        manager.close();
    }
}
