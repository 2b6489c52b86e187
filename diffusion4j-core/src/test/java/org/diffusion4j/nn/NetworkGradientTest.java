package org.diffusion4j.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.backend.NativeArrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Guard of the convolution bug of this engine: every network's float32 gradients (input and weights) against the
 * same network in float64, on a tiny input. Float64 convolutions take another (correct) path; float32 ones are
 * wrong unless the output channels are a multiple of 16 on the CPUs with the fault (AMD EPYC, Zen 5), so there this
 * fails if the padding of {@link org.diffusion4j.backend.Convolutions} is removed (the U-Nets' 1- and 3-channel output
 * layers would be the first to break); on an Intel Xeon without the fault it passes either way. The weights are
 * perturbed so that no zero-initialized layer hides the gradients behind it.
 */
class NetworkGradientTest {

    static Stream<NetworkConfig> networks() {
        return Stream.of(
                new NetworkConfig.UNet(1, 8, 16, List.of(1, 2), 1, List.of(4), 0, 3),
                new NetworkConfig.UNet(3, 8, 8, List.of(1, 2), 1, List.of(8, 4), 0, 0),
                new NetworkConfig.Mlp(2, 32, 2, 16, 4),
                new NetworkConfig.Dit(1, 8, 2, 16, 2, 2, 3));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("networks")
    void float32GradientsMatchFloat64(NetworkConfig config) {
        try (NDManager manager = Backend.newManager()) {
            Network single = PerturbedNetworks.of(config, manager, DataType.FLOAT32, 7);
            Network dbl = config.load(single.weights().all(), manager, DataType.FLOAT64, "float32 weights");
            long[] dims = new long[config.sampleShape().size() + 1];
            dims[0] = 3;
            for (int i = 0; i < config.sampleShape().size(); i++) {
                dims[i + 1] = config.sampleShape().get(i);
            }
            Shape shape = new Shape(dims);
            NDArray x = manager.randomNormal(0, 1, shape, DataType.FLOAT32);
            NDArray noise = manager.create(new float[] {-1.1f, 0.2f, 0.9f});
            NDArray labels = manager.create(new int[] {0, 1, config.classes()});
            assertClose(config, gradients(graph(single, noise, labels), x), gradients(graph(dbl, noise, labels), x));
        }
    }

    /** The network's forward pass at fixed noise labels (and class labels, if it takes them) as a graph of x. */
    private static Graph graph(Network net, NDArray noise32, NDArray labels) {
        NDArray noise = NativeArrays.copy(noise32, net.weights().all().values().iterator().next().getDataType());
        NDArray classes = net.config().classes() > 0 ? labels : null;
        return new Graph(net.weights(), x -> net.forward(x, noise, classes, true));
    }

    /** Every float32 gradient within 1e-3 of the largest float64 entry of its array (plus 1e-7). */
    private static void assertClose(Object what, Map<String, NDArray> g32, Map<String, NDArray> g64) {
        assertEquals(g64.keySet(), g32.keySet());
        for (String name : g64.keySet()) {
            double scale = g64.get(name).abs().max().getDouble();
            double error = g32.get(name).toType(DataType.FLOAT64, false).sub(g64.get(name)).abs().max().getDouble();
            assertTrue(error <= 1e-3 * scale + 1e-7, what + ": gradient of " + name + " off by " + error
                    + " (largest entry " + scale + ")");
        }
    }

    /** A differentiable map of one input, and its weights. */
    private record Graph(Weights weights, Function<NDArray, NDArray> apply) {}

    /** Builds the graph in a precision: with fresh weights ({@code arrays} null) or with the given ones. */
    private interface Builder {
        Graph build(Map<String, NDArray> arrays, DataType type, NDManager manager);
    }

    private record Case(String name, long[] input, Builder builder) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> trainedBesideTheDenoisers() {
        ClassifierNetwork.Config classifier = new ClassifierNetwork.Config(1, 8, 3, 16);
        NetworkConfig.Speech speech = new NetworkConfig.Speech(List.of("ab", "ba", "cab"), 4, 16,
                new NetworkConfig.UNet(2, 8, 16, List.of(1, 2), 1, List.of(4), 0, 0, 1));
        return Stream.of(
                new Case("classifier", new long[] {3, 1, 8, 8}, (arrays, type, m) -> {
                    ClassifierNetwork net = new ClassifierNetwork(classifier, weights(arrays, type, m));
                    return new Graph(net.weights(), x -> net.logits(x, false));
                }),
                new Case("speech encoder and decoder", new long[] {3, 1, 8, 8}, (arrays, type, m) -> {
                    SpeechNetwork net = (SpeechNetwork) (arrays == null ? speech.initialize(m, type, 7)
                            : speech.load(arrays, m, type, "perturbed weights"));
                    NDArray words = m.create(new int[] {0, 1, 2});
                    NDArray noise = NativeArrays.copy(m.create(new float[] {-1.1f, 0.2f, 0.9f}), type);
                    return new Graph(net.weights(), x -> net.forward(x.concat(net.prior(words), 1), noise, null,
                            true));
                }),
                new Case("discriminator head, image features", new long[] {3, 8, 4, 4}, (arrays, type, m) -> {
                    DiscriminatorHead head = new DiscriminatorHead(weights(arrays, type, m), 8, true);
                    return new Graph(head.weights(), head::apply);
                }),
                new Case("discriminator head, vector features", new long[] {3, 16}, (arrays, type, m) -> {
                    DiscriminatorHead head = new DiscriminatorHead(weights(arrays, type, m), 16, false);
                    return new Graph(head.weights(), head::apply);
                }));
    }

    private static Weights weights(Map<String, NDArray> arrays, DataType type, NDManager manager) {
        return arrays == null ? Weights.initialize(manager, type, 7)
                : Weights.from(arrays, manager, type, "perturbed weights");
    }

    /**
     * The networks trained beside the denoisers — the classifier of the evaluations, the speech network's encoder
     * and decoder together, DMD2's discriminator head (8 channels, below the engine's multiple of 16) — in float32
     * against float64.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("trainedBesideTheDenoisers")
    void float32GradientsMatchFloat64BesideTheDenoisers(Case c) {
        try (NDManager manager = Backend.newManager()) {
            Map<String, NDArray> perturbed = PerturbedNetworks.perturbed(
                    c.builder().build(null, DataType.FLOAT32, manager).weights(), 7);
            Graph single = c.builder().build(perturbed, DataType.FLOAT32, manager);
            Graph dbl = c.builder().build(perturbed, DataType.FLOAT64, manager);
            NDArray x = manager.randomNormal(0, 1, new Shape(c.input()), DataType.FLOAT32);
            Map<String, NDArray> g64 = gradients(dbl, x);
            g64.forEach((name, g) -> assertTrue(g.abs().max().getDouble() > 0, c + ": gradient of " + name
                    + " is zero"));
            assertClose(c, gradients(single, x), g64);
        }
    }

    private static Map<String, NDArray> gradients(Graph graph, NDArray x32) {
        DataType type = graph.weights().all().values().iterator().next().getDataType();
        NDArray x = NativeArrays.copy(x32, type);
        graph.weights().requireGradients(true);
        x.setRequiresGradient(true);
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray out = graph.apply().apply(x);
            Backend.seedEngine(11); // the same probe in both precisions
            NDArray probe = NativeArrays.copy(x32.getManager().randomNormal(0, 1, out.getShape(), DataType.FLOAT32),
                    type);
            collector.backward(out.mul(probe).sum());
        }
        Map<String, NDArray> grads = new HashMap<>();
        grads.put("input", x.getGradient());
        graph.weights().all().forEach((name, w) -> grads.put(name, w.getGradient()));
        return grads;
    }
}
