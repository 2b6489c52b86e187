package org.diffusion4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.backend.GarbagePressure;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The U-Net and the DiT free each stage's (block's) temporaries as they go, with or without gradients: a forward
 * gives the same bits as the traversal that keeps every intermediate and leaves no batch-sized intermediate in the
 * caller's manager, and a training step's gradients, with garbage collections forced between forward and backward,
 * are exactly those of the traversal that keeps every intermediate open until backward (an array of a stage on
 * memory the engine does not own would be freed under the graph and change them).
 */
class ScopedForwardTest {

    static Stream<NetworkConfig> networks() {
        return Stream.of(
                new NetworkConfig.UNet(1, 8, 16, List.of(1, 2), 1, List.of(4), 0, 3),
                new NetworkConfig.UNet(3, 8, 8, List.of(1, 2), 1, List.of(8, 4), 0, 0),
                new NetworkConfig.UNet(1, 28, 16, List.of(1, 2, 2), 2, List.of(14), 0, 10),
                new NetworkConfig.Dit(1, 8, 2, 16, 2, 2, 3),
                new NetworkConfig.Dit(3, 8, 4, 16, 3, 4, 0));
    }

    /** The forward pass of either network, freeing stage by stage or keeping every intermediate. */
    private static NDArray forward(Network net, NDArray x, NDArray noise, NDArray labels, boolean training,
            boolean free) {
        return net instanceof UNetNetwork u ? u.forward(x, noise, labels, training, free)
                : ((DitNetwork) net).forward(x, noise, labels, training, free);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("networks")
    void scopedForwardIsBitIdenticalAndKeepsOnlyItsOutput(NetworkConfig config) {
        try (NDManager manager = Backend.newManager()) {
            Network net = PerturbedNetworks.of(config, manager, DataType.FLOAT32, 11);
            NDArray x = manager.randomNormal(0, 1, shape(config, 3), DataType.FLOAT32);
            NDArray noise = manager.create(new float[] {-1.1f, 0.2f, 0.9f});
            NDArray labels = config.classes() > 0 ? manager.create(new int[] {0, 1, config.classes()}) : null;
            for (boolean gradients : new boolean[] {false, true}) {
                net.weights().requireGradients(gradients);
                float[] scoped;
                try (NDManager call = manager.newSubManager()) {
                    NDArray xs = x.duplicate();
                    xs.attach(call);
                    NDArray n = noise.duplicate();
                    n.attach(call);
                    NDArray l = labels == null ? null : labels.duplicate();
                    if (l != null) {
                        l.attach(call);
                    }
                    int before = call.getManagedArrays().size();
                    NDArray out = net.forward(xs, n, l, false);
                    // the output and the embedding chain (about 20 arrays of batch × channels, and the DiT's
                    // position table); no batch-sized image or token arrays
                    List<String> big = call.getManagedArrays().stream()
                            .filter(a -> a != out && a != xs && a.getShape().dimension() >= 3
                                    && a.getShape().get(0) == 3)
                            .map(a -> a.getShape() + (a.isReleased() ? " released" : "")).toList();
                    assertEquals(List.of(), big, "batch-sized intermediates left in the caller's manager");
                    assertEquals(true, call.getManagedArrays().size() - before < 32,
                            (call.getManagedArrays().size() - before) + " arrays left");
                    scoped = out.toFloatArray();
                }
                float[] kept;
                try (NDManager call = manager.newSubManager()) {
                    NDArray xs = x.duplicate();
                    xs.attach(call);
                    kept = forward(net, xs, noise, labels, false, false).toFloatArray();
                }
                assertArrayEquals(kept, scoped, "scoped forward differs from the unscoped one, gradients "
                        + gradients);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("networks")
    void scopedTrainingGivesTheGradientsOfTheUnscopedOneUnderGarbageCollection(NetworkConfig config) {
        // a U-Net with dropout on, so the training path is the one exercised (the DiT has none)
        NetworkConfig trained = config instanceof NetworkConfig.UNet u
                ? new NetworkConfig.UNet(u.imageChannels(), u.resolution(), u.channels(), u.multipliers(), u.blocks(),
                        u.attentionResolutions(), 0.1, u.classes())
                : config;
        Map<String, double[]> kept = gradients(trained, false);
        Map<String, double[]> scoped = gradients(trained, true);
        kept.forEach((name, g) -> assertArrayEquals(g, scoped.get(name), 0, name));
    }

    /** The weight gradients of one training forward and backward; scoped ones with collections in between. */
    private static Map<String, double[]> gradients(NetworkConfig config, boolean scoped) {
        try (NDManager m = Backend.newManager()) {
            Network net = PerturbedNetworks.of(config, m, DataType.FLOAT32, 3);
            net.weights().requireGradients(true);
            Backend.seedEngine(5);
            NDArray x = m.randomNormal(0, 1, shape(config, 4), DataType.FLOAT32);
            NDArray target = m.randomNormal(0, 1, x.getShape(), DataType.FLOAT32);
            NDArray noise = m.randomNormal(0, 1, new Shape(4), DataType.FLOAT32);
            NDArray labels = config.classes() > 0 ? m.create(new int[] {0, 1, 2, config.classes()}) : null;
            Backend.seedEngine(7);
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray error = forward(net, x, noise, labels, true, scoped).sub(target);
                NDArray loss = error.mul(error).mean();
                if (scoped) {
                    GarbagePressure.collect(5, 20_000_000);
                }
                collector.backward(loss);
            }
            Map<String, double[]> out = new TreeMap<>();
            net.weights().all().forEach((name, w) -> out.put(name,
                    w.getGradient().toType(DataType.FLOAT64, false).toDoubleArray()));
            return out;
        }
    }

    private static Shape shape(NetworkConfig config, int batch) {
        long[] dims = new long[config.sampleShape().size() + 1];
        dims[0] = batch;
        for (int i = 0; i < config.sampleShape().size(); i++) {
            dims[i + 1] = config.sampleShape().get(i);
        }
        return new Shape(dims);
    }
}
