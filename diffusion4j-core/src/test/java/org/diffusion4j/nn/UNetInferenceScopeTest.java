package org.diffusion4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.stream.Stream;
import org.diffusion4j.backend.Backend;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The U-Net's inference path (no gradients) frees each stage's temporaries as it goes: it gives the same bits as
 * the path that keeps every intermediate (taken when the weights require gradients), and leaves only its output in
 * the caller's manager.
 */
class UNetInferenceScopeTest {

    static Stream<NetworkConfig> networks() {
        return Stream.of(
                new NetworkConfig.UNet(1, 8, 16, List.of(1, 2), 1, List.of(4), 0, 3),
                new NetworkConfig.UNet(3, 8, 8, List.of(1, 2), 1, List.of(8, 4), 0, 0),
                new NetworkConfig.UNet(1, 28, 16, List.of(1, 2, 2), 2, List.of(14), 0, 10));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("networks")
    void scopedInferenceIsBitIdenticalAndKeepsOnlyItsOutput(NetworkConfig config) {
        try (NDManager manager = Backend.newManager()) {
            Network net = PerturbedNetworks.of(config, manager, DataType.FLOAT32, 11);
            long[] dims = new long[config.sampleShape().size() + 1];
            dims[0] = 3;
            for (int i = 0; i < config.sampleShape().size(); i++) {
                dims[i + 1] = config.sampleShape().get(i);
            }
            NDArray x = manager.randomNormal(0, 1, new Shape(dims), DataType.FLOAT32);
            NDArray noise = manager.create(new float[] {-1.1f, 0.2f, 0.9f});
            NDArray labels = config.classes() > 0 ? manager.create(new int[] {0, 1, config.classes()}) : null;
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
                // the output and the embedding chain (about 20 B × channels arrays); no B × C × H × W ones
                List<String> big = call.getManagedArrays().stream()
                        .filter(a -> a != out && a != xs && a.getShape().dimension() == 4)
                        .map(a -> a.getShape() + (a.isReleased() ? " released" : "")).toList();
                assertEquals(List.of(), big, "image-sized intermediates left in the caller's manager");
                assertEquals(true, call.getManagedArrays().size() - before < 32,
                        (call.getManagedArrays().size() - before) + " arrays left");
                scoped = out.toFloatArray();
            }
            float[] kept;
            net.weights().requireGradients(true);
            try (NDManager call = manager.newSubManager()) {
                NDArray xs = x.duplicate();
                xs.attach(call);
                kept = net.forward(xs, noise, labels, false).toFloatArray();
            }
            net.weights().requireGradients(false);
            assertArrayEquals(kept, scoped, "scoped inference differs from the unscoped forward");
        }
    }
}
