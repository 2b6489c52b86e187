package org.diffusion4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.backend.EngineThreads;
import org.diffusion4j.backend.ThreadPolicy;
import org.diffusion4j.bridge.BridgeSchedule;
import org.diffusion4j.data.ImageSet;
import org.diffusion4j.generate.Generation;
import org.diffusion4j.generate.GenerationRequest;
import org.diffusion4j.generate.Generator;
import org.diffusion4j.nn.Network;
import org.diffusion4j.nn.NetworkConfig;
import org.diffusion4j.nn.Weights;
import org.diffusion4j.restore.ImageBridge;
import org.diffusion4j.restore.RestorationTask;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bridge objective through the ordinary trainer: the network sees [x_t, x₁] with x_t on the bridge's marginal
 * and the label 999·t, the exact x₀ costs nothing, configs that cannot work are refused by field, and a tiny U-Net
 * trains, resumes exactly, previews and restores through the generator facade.
 */
class BridgeTrainingTest {

    /**
     * One 8×8 image x₀, 4000 draws at t = 0.3 and 0.7 through {@link BridgeObjective}: the second input channel is
     * the task's prior of A(x₀) (sr by 2, noiseless), the first standardises to N(0, 1) as
     * (x_t − a·x₀ − b·x₁)/c (mean within 5 standard errors, variance within 5%), and an oracle that answers x₀ has
     * loss 0.
     */
    @Test
    void theNetworkSeesTheBridgeMarginalAndTheExactPredictionCostsNothing() {
        ImageBridge bridge = new ImageBridge("vp", "sr:factor=2");
        BridgeObjective objective = new BridgeObjective(bridge);
        int n = 4000;
        try (NDManager m = Backend.newManager()) {
            float[] image = new float[64];
            SplittableRandom random = new SplittableRandom(3);
            for (int i = 0; i < 64; i++) {
                image[i] = (float) random.nextDouble(-1, 1);
            }
            NDArray one = m.create(image, new Shape(1, 1, 8, 8));
            NDArray x0 = one.repeat(0, n);
            assertEquals(new Shape(n, 2, 8, 8), objective.noiseShape(x0.getShape()));
            for (double time : new double[] {0.3, 0.7}) {
                double[] t = new double[n];
                Arrays.fill(t, time);
                NDArray noise = m.randomNormal(new Shape(n, 2, 8, 8));
                Oracle oracle = new Oracle(x0);
                double loss = objective.loss(oracle, x0, null, t, noise, false).getFloat();
                assertEquals(0, loss, 1e-12, "the exact x₀ costs nothing");
                NDArray input = oracle.input;
                NDArray prior = input.get(":, 1:2");
                RestorationTask task = bridge.restoration();
                assertArrayEquals(task.prior(task.measure(one)).toFloatArray(), prior.get("0:1").toFloatArray(),
                        1e-6f, "the second channel is the prior of the observation");
                BridgeSchedule.Marginal c = bridge.reference().marginal(time);
                double[] z = input.get(":, 0:1").sub(x0.mul(c.a())).sub(prior.mul(c.b())).div(c.c())
                        .toType(DataType.FLOAT64, false).toDoubleArray();
                double mean = Arrays.stream(z).average().orElseThrow();
                double var = Arrays.stream(z).map(v -> (v - mean) * (v - mean)).sum() / (z.length - 1);
                assertEquals(0, mean, 5 / Math.sqrt(z.length), "standardised state's mean at t = " + time);
                assertEquals(1, var, 0.05, "standardised state's variance at t = " + time);
                assertArrayEquals(new float[] {(float) (999 * time)}, oracle.label.get("0:1").toFloatArray(), 1e-3f);
            }
        }
    }

    @Test
    void configsThatCannotWorkAreRefusedByField() {
        TrainingConfig preset = Presets.named("mnist-bridge-sr4");
        assertEquals(preset, TrainingConfig.parse(preset.toJson(), "round trip"));
        assertEquals("is a bridge model (field bridge is set)", preset.notGaussian());
        NetworkConfig.UNet oneChannel = new NetworkConfig.UNet(1, 28, 16, List.of(1, 2, 4), 2, List.of(7), 0.1, 0);
        InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> new TrainingConfig(
                preset.name(), preset.data(), oneChannel, preset.preconditioning(), preset.time(),
                preset.optimization(), preset.sampling(), null, null, null, null, preset.bridge()));
        assertEquals("a bridge model needs a U-Net taking [x_t, x₁], shape [2, 28, 28], and returning the data's 1 "
                + "channels (network.output_channels), got a U-Net taking [1, 28, 28] and returning 1 channels",
                e.getMessage());
        e = assertThrows(InvalidArgumentException.class, () -> new TrainingConfig(preset.name(), preset.data(),
                preset.network(), preset.preconditioning(), new TimeDistribution.Uniform(0, 1), preset.optimization(),
                preset.sampling(), null, null, null, null, preset.bridge()));
        assertTrue(e.getMessage().startsWith("a bridge model trains at times inside (0, 1)"), e.getMessage());
        e = assertThrows(InvalidArgumentException.class, () -> new ImageBridge("gmax", "colorize"));
        assertTrue(e.getMessage().startsWith("bridge: unknown task 'colorize'"), e.getMessage());
    }

    /** One engine thread throughout, as the exact comparisons need. */
    @Test
    void aTinyBridgeTrainsResumesPreviewsAndRestores(@TempDir Path dir) {
        EngineThreads.using(new ThreadPolicy.Fixed(1), () -> {
            trainResumeAndRestore(dir);
            return null;
        });
    }

    private static void trainResumeAndRestore(Path dir) {
        ImageSet data = Blots.of(32);
        TrainingConfig preset = Presets.named("mnist-bridge-sr4");
        TrainingConfig config = new TrainingConfig("tiny-bridge",
                new TrainingConfig.Data("folder", "blots", 0, 1, 8, false, List.of(1, 8, 8)),
                new NetworkConfig.UNet(2, 8, 16, List.of(1, 2), 1, List.of(), 0, 0, 1), preset.preconditioning(),
                preset.time(), new TrainingConfig.Optimization(8, 4, 1e-3, 0, 0.9, 0.999, 1e-8, 0, 1, 0, 0, 0, 0, 2, 4,
                        1),
                new TrainingConfig.Sampling("bridge-sde", 3, 0.002, 80, 7, 4), null, null, null, null,
                new ImageBridge("gmax", "sr:factor=2,noise=0.1"));
        RunDirectory run = new RunDirectory(dir.resolve("run"));
        Trainer.train(config.withSteps(2), data, run, false, new Trainer.Listener() { });
        Trainer.train(config, data, run, true, new Trainer.Listener() { });
        RunDirectory straight = new RunDirectory(dir.resolve("straight"));
        Trainer.train(config, data, straight, false, new Trainer.Listener() { });
        assertTrue(Files.isRegularFile(straight.samples().resolve("step-0000004.png")), "the preview grid");
        try (NDManager m = Backend.newManager()) {
            TrainedModel resumed = TrainedModel.load(dir.resolve("run"), m);
            TrainedModel direct = TrainedModel.load(dir.resolve("straight"), m);
            Generator generator = resumed.generator();
            assertEquals("bridge:sr:factor=2,noise=0.1", generator.kind());
            NDArray y = data.batch(m, new int[] {0, 1, 2}).reshape(3, 1, 4, 2, 4, 2).mean(new int[] {5})
                    .mean(new int[] {3});
            long[] seeds = {3, 4, 5};
            for (String sampler : generator.samplers()) {
                GenerationRequest request = GenerationRequest.builder(seeds).observation(y).sampler(sampler).steps(3)
                        .build();
                Generation g = generator.generate(request, m);
                assertEquals(new Shape(3, 1, 8, 8), g.samples().getShape(), sampler);
                assertEquals(3, g.evaluations(), sampler);
                assertArrayEquals(g.samples().toFloatArray(), direct.generator().generate(request, m).samples()
                        .toFloatArray(), sampler + ": the resumed run restores as the straight one");
            }
            float[] first = generator.generate(GenerationRequest.builder(seeds).observation(y).sampler("bridge-sde")
                    .steps(3).build(), m).samples().toFloatArray();
            float[] other = generator.generate(GenerationRequest.builder(new long[] {6, 7, 8}).observation(y)
                    .sampler("bridge-sde").steps(3).build(), m).samples().toFloatArray();
            float[] ode = generator.generate(GenerationRequest.builder(new long[] {6, 7, 8}).observation(y)
                    .sampler("bridge-ode").steps(3).build(), m).samples().toFloatArray();
            assertFalse(Arrays.equals(first, other), "the SDE's samples depend on their seeds");
            assertArrayEquals(ode, generator.generate(GenerationRequest.builder(seeds).observation(y)
                    .sampler("bridge-ode").steps(3).build(), m).samples().toFloatArray(), "the ODE's do not");
            InvalidArgumentException missing = assertThrows(InvalidArgumentException.class, () -> generator.generate(
                    GenerationRequest.builder(seeds).steps(3).build(), m));
            assertEquals("a restoration model restores observations: give one per seed (sr:factor=2,noise=0.1)",
                    missing.getMessage());
            Generator mixture = ModelSource.named("gmm:eight-gaussians").load(m);
            InvalidArgumentException refused = assertThrows(InvalidArgumentException.class, () -> mixture.generate(
                    GenerationRequest.builder(seeds).observation(y).steps(3).build(), m));
            assertTrue(refused.getMessage().contains("does not take an observation"), refused.getMessage());
        }
    }

    /** Answers the x₀ it was given and keeps what it saw. */
    private static final class Oracle implements Network {
        private final NDArray x0;
        NDArray input;
        NDArray label;

        Oracle(NDArray x0) {
            this.x0 = x0;
        }

        @Override
        public NDArray forward(NDArray x, NDArray noiseLabel, NDArray classLabels, boolean training) {
            input = x;
            label = noiseLabel;
            return x0.duplicate();
        }

        @Override
        public Weights weights() {
            throw new UnsupportedOperationException();
        }

        @Override
        public NetworkConfig config() {
            return new NetworkConfig.Mlp(1, 4, 0, 2, 0);
        }
    }
}
