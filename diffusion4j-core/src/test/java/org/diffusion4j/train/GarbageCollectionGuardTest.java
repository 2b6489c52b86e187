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
import org.diffusion4j.backend.Backend;
import org.diffusion4j.backend.GarbagePressure;
import org.diffusion4j.denoise.Preconditioning;
import org.diffusion4j.nn.Network;
import org.diffusion4j.nn.NetworkConfig;
import org.diffusion4j.nn.PerturbedNetworks;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Guard of the freed-scalar bug: one training step with garbage collections forced between forward and backward
 * gives exactly the gradients of an undisturbed step. With {@code NDArray op Number} anywhere in the graph the
 * disturbed gradients are garbage (Infinity, in a measurement on this engine).
 */
class GarbageCollectionGuardTest {

    @ParameterizedTest
    @ValueSource(strings = {"mlp", "unet", "dit"})
    void gcBetweenForwardAndBackwardChangesNothing(String kind) {
        NetworkConfig config = switch (kind) {
            case "mlp" -> new NetworkConfig.Mlp(2, 32, 2, 16, 3);
            case "unet" -> new NetworkConfig.UNet(1, 8, 16, List.of(1, 2), 1, List.of(4), 0, 3);
            default -> new NetworkConfig.Dit(1, 8, 2, 16, 2, 2, 3);
        };
        Map<String, double[]> quiet = gradients(config, false);
        Map<String, double[]> disturbed = gradients(config, true);
        quiet.forEach((name, g) -> {
            double[] d = disturbed.get(name);
            for (int i = 0; i < g.length; i++) {
                assertEquals(g[i], d[i], 0, name + "[" + i + "]");
            }
        });
    }

    private static Map<String, double[]> gradients(NetworkConfig config, boolean collect) {
        try (NDManager m = Backend.newManager()) {
            Network network = PerturbedNetworks.of(config, m, DataType.FLOAT32, 3);
            network.weights().requireGradients(true);
            long[] dims = config.sampleShape().stream().mapToLong(Integer::longValue).toArray();
            Shape shape = new Shape(4).addAll(new Shape(dims));
            Backend.seedEngine(5);
            NDArray x0 = m.randomNormal(0, 1, shape, DataType.FLOAT32);
            NDArray noise = m.randomNormal(0, 1, shape, DataType.FLOAT32);
            NDArray labels = m.create(new int[] {0, 1, 2, 3});
            Objective objective = new Objective(Preconditioning.edm("edm", 0.5));
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray loss = objective.loss(network, x0, labels, new double[] {0.01, 0.3, 2, 40}, noise, false);
                if (collect) {
                    GarbagePressure.collect(5, 20_000_000);
                }
                collector.backward(loss);
            }
            Map<String, double[]> out = new TreeMap<>();
            network.weights().all().forEach((name, w) -> out.put(name,
                    w.getGradient().toType(DataType.FLOAT64, false).toDoubleArray()));
            return out;
        }
    }
}
