package org.diffusion4j.distill;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.backend.GarbagePressure;
import org.diffusion4j.backend.NativeArrays;
import org.diffusion4j.denoise.MixtureSpec;
import org.diffusion4j.denoise.Preconditioning;
import org.diffusion4j.nn.DiscriminatorHead;
import org.diffusion4j.nn.Network;
import org.diffusion4j.nn.NetworkConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Where DMD2's gradients go, and what a multi-step generator is fed. */
class Dmd2ModelsTest {
    private static final Preconditioning EDM = Preconditioning.edm("edm", 1.5);
    private static final double[] LEVELS = {80, 10, 1, 0.1};

    private static Dmd2Models models(NDManager m, Dmd2Plan plan) {
        Network generator = Dmd2Fixtures.MLP.initialize(m, DataType.FLOAT32, 1);
        Network fake = Dmd2Fixtures.MLP.load(generator.weights().all(), m, DataType.FLOAT32, "test");
        DiscriminatorHead head = plan.gan() ? DiscriminatorHead.initialize(fake.featureChannels(), false, m, 2)
                : null;
        return new Dmd2Models(plan, Teacher.mixture(MixtureSpec.bundled("eight-gaussians")), generator, fake, head,
                EDM, DistributionMatching.levelTable(Dmd2Plan.TABLE, 0.002, 80, 7), LEVELS);
    }

    private static double norm(Map<String, NDArray> weights) {
        double sum = 0;
        for (NDArray w : weights.values()) {
            w.setRequiresGradient(true);
            for (float g : w.getGradient().toFloatArray()) {
                sum += (double) g * g;
            }
        }
        return Math.sqrt(sum);
    }

    private static void zero(Map<String, NDArray> weights) {
        for (NDArray w : weights.values()) {
            w.setRequiresGradient(true);
            w.getGradient().subi(w.getGradient());
        }
    }

    /** A tiny U-Net as generator, fake score and (frozen, another seed) teacher, with the spatial head. */
    private static Dmd2Models unetModels(NDManager m, Dmd2Plan plan) {
        NetworkConfig.UNet config = new NetworkConfig.UNet(1, 8, 16, List.of(1, 2), 1, List.of(), 0, 0);
        Network generator = config.initialize(m, DataType.FLOAT32, 1);
        Network fake = config.load(generator.weights().all(), m, DataType.FLOAT32, "test");
        Network teacher = config.initialize(m, DataType.FLOAT32, 2);
        return new Dmd2Models(plan, Teacher.network(teacher, EDM), generator, fake,
                DiscriminatorHead.initialize(fake.featureChannels(), true, m, 3), EDM,
                DistributionMatching.levelTable(Dmd2Plan.TABLE, 0.002, 80, 7), LEVELS);
    }

    /**
     * The generator's turn (distribution matching and the GAN term, which runs through the fake score's features and
     * the head) moves only G; the critic's turn (denoising and discriminator losses) moves only the fake score and
     * the head. On the MLP (vector features) and on a U-Net (image features, the convolutional head).
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void eachTurnsGradientReachesOnlyItsOwnWeights(boolean unet, @TempDir Path dir) {
        Dmd2Plan plan = Dmd2Fixtures.plan(dir, true, 0.5);
        Shape shape = unet ? new Shape(6, 1, 8, 8) : new Shape(64, 2);
        try (NDManager m = Backend.newManager()) {
            Dmd2Models models = unet ? unetModels(m, plan) : models(m, plan);
            Map<String, NDArray> g = models.generator().weights().all();
            Map<String, NDArray> fake = new java.util.LinkedHashMap<>();
            Map<String, NDArray> head = new java.util.LinkedHashMap<>();
            models.critic("").forEach((name, w) -> (name.startsWith("head.") ? head : fake).put(name, w));
            SplittableRandom random = new SplittableRandom(4);
            NDArray x;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                Dmd2Models.Losses losses = models.generatorLoss(models.input(0, shape, null, null, random, m), 0,
                        null, random);
                x = losses.samples();
                collector.backward(losses.total());
            }
            assertTrue(norm(g) > 0, "the generator's turn moves G");
            assertEquals(0.0, norm(fake), 0.0, "the generator's turn leaves the fake score");
            assertEquals(0.0, norm(head), 0.0, "the generator's turn leaves the head");
            zero(g);

            NDArray real = m.ones(shape);
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                collector.backward(models.criticLoss(x, null, real, null, random).total());
            }
            assertEquals(0.0, norm(g), 0.0, "the critic's turn leaves G");
            assertTrue(norm(fake) > 0, "the critic's turn moves the fake score");
            assertTrue(norm(head) > 0, "the critic's turn moves the head");
        }
    }

    /**
     * Guard of the freed-scalar bug for DMD2's two turns (distribution matching with the GAN term through the head;
     * denoising with the discriminator loss): garbage collections forced between forward and backward change no
     * gradient of G, the fake score or the head.
     */
    @Test
    void gcBetweenForwardAndBackwardChangesNoGradient(@TempDir Path dir) {
        Dmd2Plan plan = Dmd2Fixtures.plan(dir, true, 0.5);
        Map<String, double[]> quiet = turnGradients(plan, false);
        Map<String, double[]> disturbed = turnGradients(plan, true);
        assertEquals(quiet.keySet(), disturbed.keySet());
        quiet.forEach((name, g) -> assertArrayEquals(g, disturbed.get(name), 0, name));
    }

    private static Map<String, double[]> turnGradients(Dmd2Plan plan, boolean collect) {
        Shape shape = new Shape(6, 1, 8, 8);
        Map<String, double[]> out = new java.util.TreeMap<>();
        try (NDManager m = Backend.newManager()) {
            Dmd2Models models = unetModels(m, plan);
            SplittableRandom random = new SplittableRandom(4);
            NDArray x;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                Dmd2Models.Losses losses = models.generatorLoss(models.input(0, shape, null, null, random, m), 0,
                        null, random);
                x = losses.samples();
                if (collect) {
                    GarbagePressure.collect(5, 20_000_000);
                }
                collector.backward(losses.total());
            }
            models.generator().weights().all().forEach((name, w) -> out.put("G." + name,
                    w.getGradient().toType(DataType.FLOAT64, false).toDoubleArray()));
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray loss = models.criticLoss(x, null, m.ones(shape), null, random).total();
                if (collect) {
                    GarbagePressure.collect(5, 20_000_000);
                }
                collector.backward(loss);
            }
            models.critic("").forEach((name, w) -> out.put("critic." + name,
                    w.getGradient().toType(DataType.FLOAT64, false).toDoubleArray()));
        }
        return out;
    }

    /** The GAN term reaches G through the head: G's gradient changes with the GAN weight. */
    @Test
    void theGanTermReachesTheGenerator(@TempDir Path dir) {
        double[] norms = new double[2];
        double[] weights = {1e-9, 5};
        for (int k = 0; k < 2; k++) {
            try (NDManager m = Backend.newManager()) {
                Dmd2Models models = models(m, Dmd2Fixtures.plan(dir, true, weights[k]));
                SplittableRandom random = new SplittableRandom(4);
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    collector.backward(models.generatorLoss(models.input(0, new Shape(64, 2), null, null, random, m),
                            0, null, random).total());
                }
                norms[k] = norm(models.generator().weights().all());
            }
        }
        assertTrue(Math.abs(norms[1] - norms[0]) > 1e-3 * norms[0], "G's gradient norm " + norms[0] + " (GAN weight "
                + "1e-9) vs " + norms[1] + " (5)");
    }

    /**
     * Backward simulation: level j's input is the generator's own chain from fresh noise, each of its outputs
     * re-noised to the next level. A recording "generator" shows it is called at σ_0 … σ_{j−1} in turn, on pure
     * noise first and then on its previous output plus noise of the next level's size.
     */
    @Test
    void backwardSimulationFeedsTheGeneratorItsOwnPreviousOutputs() {
        int n = 4000;
        try (NDManager m = Backend.newManager()) {
            List<double[]> inputs = new ArrayList<>();
            List<double[]> outputs = new ArrayList<>();
            List<Double> levels = new ArrayList<>();
            Teacher recording = (x, sigma, labels) -> {
                inputs.add(doubles(x));
                levels.add(sigma[0]);
                NDArray out = x.mul(0.01).add(3.0 * levels.size());
                outputs.add(doubles(out));
                return out;
            };
            double[] last = doubles(Dmd2Models.chain(recording, LEVELS, 3, null, new Shape(n, 1),
                    new SplittableRandom(9), m));
            assertEquals(List.of(80.0, 10.0, 1.0), levels);
            assertSpread(inputs.get(0), null, 80);
            assertSpread(inputs.get(1), outputs.get(0), 10);
            assertSpread(inputs.get(2), outputs.get(1), 1);
            assertSpread(last, outputs.get(2), 0.1);
        }
    }

    private static double[] doubles(NDArray x) {
        return x.toType(DataType.FLOAT64, false).toDoubleArray();
    }

    /** {@code values − base} has mean 0 (5 SE) and standard deviation {@code sd} (within 5%). */
    private static void assertSpread(double[] values, double[] base, double sd) {
        double sum = 0;
        double squares = 0;
        for (int i = 0; i < values.length; i++) {
            double d = values[i] - (base == null ? 0 : base[i]);
            sum += d;
            squares += d * d;
        }
        double mean = sum / values.length;
        double spread = Math.sqrt(squares / values.length - mean * mean);
        assertEquals(0, mean, 5 * sd / Math.sqrt(values.length));
        assertEquals(sd, spread, 0.05 * sd);
    }

    /**
     * The loop's input at level j is that chain run with the tiny generator itself (same draws) with backward
     * simulation, and noised real data without it.
     */
    @Test
    void theInputOfALaterLevelIsTheGeneratorsChainOrNoisedData(@TempDir Path dir) {
        try (NDManager m = Backend.newManager()) {
            Dmd2Models models = models(m, Dmd2Fixtures.plan(dir, true, 0));
            Shape shape = new Shape(16, 2);
            float[] viaModels = models.input(2, shape, null, null, new SplittableRandom(3), m).toFloatArray();
            Teacher generator = new LevelNetwork(models.generator(), EDM)::denoise;
            float[] viaChain = Dmd2Models.chain(generator, LEVELS, 2, null, shape, new SplittableRandom(3), m)
                    .toFloatArray();
            assertArrayEquals(viaChain, viaModels, 0f);

            Dmd2Models fromData = models(m, Dmd2Fixtures.plan(dir, false, 0));
            NDArray real = m.create(new float[32], shape).add(2);
            float[] input = fromData.input(2, shape, real, null, new SplittableRandom(3), m).toFloatArray();
            float[] noise = NativeArrays.standardNormal(new SplittableRandom(3), shape, m).toFloatArray();
            double sum = 0;
            for (int i = 0; i < input.length; i++) {
                assertEquals(2 + LEVELS[2] * noise[i], input[i], 1e-6f, "the data plus σ_2 times the level's noise");
                sum += Math.abs(input[i] - 2);
            }
            assertTrue(sum / input.length > 0.3 && sum / input.length < 1.5, "noise of σ_2 = 1 around the data: "
                    + sum / input.length);
        }
    }
}
