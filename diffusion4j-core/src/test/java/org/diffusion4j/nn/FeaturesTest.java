package org.diffusion4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.List;
import java.util.Map;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.backend.Backend;
import org.junit.jupiter.api.Test;

/** Bottleneck features (what DMD2's discriminator head reads) and the head itself. */
class FeaturesTest {

    /** The MLP's features are what its output layer maps: forward = output(SiLU(features)). */
    @Test
    void theMlpFeaturesFeedItsOutputLayer() {
        NetworkConfig.Mlp config = new NetworkConfig.Mlp(2, 16, 2, 8, 3);
        try (NDManager m = Backend.newManager()) {
            Network net = PerturbedNetworks.of(config, m, DataType.FLOAT64, 3);
            NDArray x = m.randomNormal(0, 1, new Shape(5, 2), DataType.FLOAT64);
            NDArray noise = m.create(new double[] {-1, 0, 0.5, 1, 2});
            NDArray labels = m.create(new int[] {0, 1, 2, 3, 1});
            NDArray features = net.features(x, noise, labels, false);
            assertEquals(new Shape(5, 16), features.getShape());
            assertEquals(16, net.featureChannels());
            Map<String, NDArray> w = net.weights().all();
            NDArray silu = features.mul(features.getNDArrayInternal().sigmoid());
            NDArray manual = silu.matMul(w.get("mlp.output.weight").transpose()).add(w.get("mlp.output.bias"));
            assertArrayEquals(manual.toDoubleArray(), net.forward(x, noise, labels, false).toDoubleArray(), 1e-12);
        }
    }

    /**
     * The U-Net's features are its encoder's output at the lowest resolution: the last multiplier's channels, the
     * input halved per level; they depend on the encoder's weights and not on the middle or decoder's.
     */
    @Test
    void theUNetFeaturesAreTheEncodersOutput() {
        NetworkConfig.UNet config = new NetworkConfig.UNet(1, 28, 16, List.of(1, 2, 4), 1, List.of(7), 0, 10);
        try (NDManager m = Backend.newManager()) {
            Network net = PerturbedNetworks.of(config, m, DataType.FLOAT32, 5);
            NDArray x = m.randomNormal(0, 1, new Shape(2, 1, 28, 28), DataType.FLOAT32);
            NDArray noise = m.create(new float[] {-0.5f, 1f});
            NDArray labels = m.create(new int[] {3, 10});
            float[] before = net.features(x, noise, labels, false).toFloatArray();
            assertEquals(new Shape(2, 64, 7, 7), net.features(x, noise, labels, false).getShape());
            assertEquals(64, net.featureChannels());
            perturb(net, "unet.dec.");
            perturb(net, "unet.mid.");
            assertArrayEquals(before, net.features(x, noise, labels, false).toFloatArray(), 0f);
            perturb(net, "unet.enc.7.block0");
            assertFalse(java.util.Arrays.equals(before, net.features(x, noise, labels, false).toFloatArray()));
        }
    }

    private static void perturb(Network net, String prefix) {
        int touched = 0;
        for (Map.Entry<String, NDArray> e : net.weights().all().entrySet()) {
            if (e.getKey().startsWith(prefix)) {
                e.getValue().addi(e.getValue().onesLike().mul(0.1));
                touched++;
            }
        }
        assertTrue(touched > 0, "no weight under " + prefix);
    }

    @Test
    void aDitHasNoBottleneckFeatures() {
        NetworkConfig.Dit config = new NetworkConfig.Dit(1, 8, 2, 32, 1, 2, 0);
        try (NDManager m = Backend.newManager()) {
            Network net = config.initialize(m, DataType.FLOAT32, 1);
            InvalidArgumentException e = assertThrows(InvalidArgumentException.class, net::featureChannels);
            assertTrue(e.getMessage().contains("exposes no bottleneck features"), e.getMessage());
        }
    }

    /** One logit per sample from image or vector features, with gradients back to the features. */
    @Test
    void theHeadGivesOneLogitPerSampleAndPassesGradientsBack() {
        try (NDManager m = Backend.newManager()) {
            DiscriminatorHead spatial = DiscriminatorHead.initialize(24, true, m, 1);
            NDArray features = m.randomNormal(0, 1, new Shape(3, 24, 7, 7), DataType.FLOAT32);
            features.setRequiresGradient(true);
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray logits = spatial.apply(features);
                assertEquals(new Shape(3), logits.getShape());
                collector.backward(logits.sum());
            }
            assertTrue(features.getGradient().abs().sum().getFloat() > 0);
            DiscriminatorHead vector = DiscriminatorHead.initialize(16, false, m, 1);
            assertEquals(new Shape(4), vector.apply(m.ones(new Shape(4, 16))).getShape());
            assertTrue(vector.weights().all().keySet().stream().allMatch(k -> k.startsWith("head.")));
        }
    }
}
