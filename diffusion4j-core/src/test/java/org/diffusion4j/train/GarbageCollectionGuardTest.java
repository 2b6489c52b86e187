package org.diffusion4j.train;

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
import java.util.function.Supplier;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.backend.GarbagePressure;
import org.diffusion4j.denoise.Preconditioning;
import org.diffusion4j.nn.ClassifierNetwork;
import org.diffusion4j.nn.Network;
import org.diffusion4j.nn.NetworkConfig;
import org.diffusion4j.nn.PerturbedNetworks;
import org.diffusion4j.nn.Weights;
import org.diffusion4j.tts.SpeechModel;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Guard of the freed-scalar bug: one training step with garbage collections forced between forward and backward
 * gives exactly the gradients of an undisturbed step — for the denoisers (MLP, U-Net, DiT under the EDM loss), the
 * speech network under both text-to-speech losses and the evaluations' classifier under its cross-entropy. With
 * {@code NDArray op Number} anywhere in the graph the disturbed gradients are garbage (Infinity, in a measurement on
 * this engine).
 */
class GarbageCollectionGuardTest {

    @ParameterizedTest
    @ValueSource(strings = {"mlp", "unet", "dit", "speech-bridge", "speech-diffusion", "classifier"})
    void gcBetweenForwardAndBackwardChangesNothing(String kind) {
        Map<String, double[]> quiet = gradients(kind, false);
        Map<String, double[]> disturbed = gradients(kind, true);
        assertEquals(quiet.keySet(), disturbed.keySet());
        quiet.forEach((name, g) -> {
            double[] d = disturbed.get(name);
            for (int i = 0; i < g.length; i++) {
                assertEquals(g[i], d[i], 0, name + "[" + i + "]");
            }
        });
    }

    /** The weights and the training loss of one batch of {@code kind}'s training. */
    private record Step(Map<String, NDArray> weights, Supplier<NDArray> loss) {}

    private static Step step(String kind, NDManager m) {
        long[] image = {4, 1, 8, 8};
        if (kind.equals("classifier")) {
            ClassifierNetwork network = new ClassifierNetwork(new ClassifierNetwork.Config(1, 8, 3, 16),
                    Weights.initialize(m, DataType.FLOAT32, 3));
            Map<String, NDArray> weights = PerturbedNetworks.perturbed(network.weights(), 3);
            ClassifierNetwork perturbed = new ClassifierNetwork(network.config(),
                    Weights.from(weights, m, DataType.FLOAT32, "perturbed weights"));
            NDArray images = m.randomNormal(0, 1, new Shape(image), DataType.FLOAT32);
            NDArray labels = m.create(new int[] {0, 1, 2, 0});
            return new Step(perturbed.weights().all(), () -> ClassifierTraining.loss(perturbed, images, labels));
        }
        NetworkConfig config = switch (kind) {
            case "mlp" -> new NetworkConfig.Mlp(2, 32, 2, 16, 3);
            case "unet" -> new NetworkConfig.UNet(1, 8, 16, List.of(1, 2), 1, List.of(4), 0, 3);
            case "dit" -> new NetworkConfig.Dit(1, 8, 2, 16, 2, 2, 3);
            default -> new NetworkConfig.Speech(List.of("ab", "ba", "cab", "abc"), 4, 16,
                    new NetworkConfig.UNet(2, 8, 16, List.of(1, 2), 1, List.of(4), 0, 0, 1));
        };
        Network network = PerturbedNetworks.of(config, m, DataType.FLOAT32, 3);
        long[] shape = kind.startsWith("speech") ? image
                : new Shape(4).addAll(new Shape(config.sampleShape().stream().mapToLong(Integer::longValue)
                        .toArray())).getShape();
        Backend.seedEngine(5);
        NDArray x0 = m.randomNormal(0, 1, new Shape(shape), DataType.FLOAT32);
        NDArray noise = m.randomNormal(0, 1, new Shape(shape), DataType.FLOAT32);
        NDArray labels = m.create(new int[] {0, 1, 2, 3});
        double[] t = kind.startsWith("speech") ? new double[] {0.1, 0.3, 0.6, 0.9} : new double[] {0.01, 0.3, 2, 40};
        TrainingObjective objective = switch (kind) {
            case "speech-bridge" -> new SpeechObjective(new SpeechModel("bridge", "gmax"), null);
            case "speech-diffusion" -> new SpeechObjective(new SpeechModel("diffusion", null),
                    new Objective(new Preconditioning("vp:beta_min=0.05,beta_max=20", "epsilon", 1, false, "time")));
            default -> new Objective(Preconditioning.edm("edm", 0.5));
        };
        return new Step(network.weights().all(), () -> objective.loss(network, x0, labels, t, noise, false));
    }

    private static Map<String, double[]> gradients(String kind, boolean collect) {
        try (NDManager m = Backend.newManager()) {
            Step step = step(kind, m);
            step.weights().values().forEach(w -> w.setRequiresGradient(true));
            Backend.seedEngine(9);
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray loss = step.loss().get();
                if (collect) {
                    GarbagePressure.collect(5, 20_000_000);
                }
                collector.backward(loss);
            }
            Map<String, double[]> out = new TreeMap<>();
            step.weights().forEach((name, w) -> out.put(name,
                    w.getGradient().toType(DataType.FLOAT64, false).toDoubleArray()));
            return out;
        }
    }
}
