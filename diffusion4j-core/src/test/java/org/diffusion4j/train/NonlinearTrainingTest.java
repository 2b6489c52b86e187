package org.diffusion4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.diffusion4j.DiffusionException;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.backend.EngineThreads;
import org.diffusion4j.backend.ThreadPolicy;
import org.diffusion4j.data.ImageSet;
import org.diffusion4j.generate.Generation;
import org.diffusion4j.generate.Generator;
import org.diffusion4j.generate.GenerationRequest;
import org.diffusion4j.nn.Network;
import org.diffusion4j.nn.NetworkConfig;
import org.diffusion4j.nn.Weights;
import org.diffusion4j.nonlinear.SineDriftProcess;
import org.diffusion4j.nonlinear.TransitionTable;
import org.diffusion4j.phase.Psld;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The non-linear objective through the ordinary trainer: x_t is the tabulated transition's draw at Φ(ε), the network
 * that answers the exact heads for point data has zero loss, configs that cannot work are refused by field, and a
 * tiny two-headed U-Net trains, resumes its run and samples through the generator facade.
 */
class NonlinearTrainingTest {
    private static final SineDriftProcess SMALL = new SineDriftProcess(0.5, 2, 6, 2e-3, 17, 24);
    private static final int LEVEL = 12;

    @Test
    void drawsAreTheTabulatedTransitionAndTheExactHeadsCostNothing() {
        TransitionTable table = new TransitionTable(SMALL);
        NonlinearObjective objective = new NonlinearObjective(SMALL, table);
        int n = 8000;
        int k = 15;
        SplittableRandom random = new SplittableRandom(4);
        double[] t = new double[n];
        double[] noise = new double[n];
        for (int i = 0; i < n; i++) {
            t[i] = (k + random.nextDouble()) / SMALL.times();
            noise[i] = random.nextGaussian();
        }
        Oracle oracle = new Oracle(table);
        try (NDManager m = Backend.newManager()) {
            NDArray x0 = m.ones(new Shape(n, 1)).mul(SMALL.level(LEVEL)).toType(DataType.FLOAT32, false);
            double loss = objective.loss(oracle, x0, null, t, m.create(noise, new Shape(n, 1))
                    .toType(DataType.FLOAT32, false), false).getFloat();
            assertTrue(loss < 1e-9, "the exact heads' loss " + loss);
            double[] drawn = oracle.inputs.get(0);
            for (int j = 1; j <= 9; j++) {
                double u = j / 10.0;
                double q = table.quantile(LEVEL, k, u);
                double below = Arrays.stream(drawn).filter(v -> v <= q).count() / (double) n;
                assertEquals(u, below, 4 * Math.sqrt(u * (1 - u) / n), "P(x_t ≤ q_" + u + ")");
            }
        }
    }

    @Test
    void configsThatCannotWorkAreRefusedByField() {
        TrainingConfig preset = Presets.named("mnist-nonlinear");
        assertEquals(preset, TrainingConfig.parse(preset.toJson(), "round trip"));
        NetworkConfig.UNet oneHead = new NetworkConfig.UNet(1, 28, 16, List.of(1, 2, 4), 2, List.of(7), 0.1, 10);
        InvalidArgumentException heads = assertThrows(InvalidArgumentException.class, () -> new TrainingConfig(
                preset.name(), preset.data(), oneHead, preset.preconditioning(), preset.time(), preset.optimization(),
                preset.sampling(), null, null, null, preset.nonlinear()));
        assertTrue(heads.getMessage().contains("network.output_channels = 2"), heads.getMessage());
        InvalidArgumentException time = assertThrows(InvalidArgumentException.class, () -> new TrainingConfig(
                preset.name(), preset.data(), preset.network(), preset.preconditioning(),
                new TimeDistribution.LogNormal(-1.2, 1.2), preset.optimization(), preset.sampling(), null, null, null,
                preset.nonlinear()));
        assertTrue(time.getMessage().contains("uniform"), time.getMessage());
        InvalidArgumentException both = assertThrows(InvalidArgumentException.class, () -> new TrainingConfig(
                preset.name(), preset.data(), preset.network(), preset.preconditioning(), preset.time(),
                preset.optimization(), preset.sampling(), null, Psld.criticallyDamped(0.02, 8), null,
                preset.nonlinear()));
        assertTrue(both.getMessage().contains("phase_space"), both.getMessage());
        InvalidArgumentException gaussian = assertThrows(InvalidArgumentException.class, () -> new TrainingConfig(
                preset.name(), preset.data(), preset.network(), preset.preconditioning(), preset.time(),
                preset.optimization(), preset.sampling()));
        assertTrue(gaussian.getMessage().contains("only a non-linear model"), gaussian.getMessage());
        DiffusionException process = assertThrows(DiffusionException.class, () -> TrainingConfig.parse(
                preset.toJson().replace("\"a\" : 0.5", "\"a\" : 1.5"), "config.json"));
        assertTrue(process.getMessage().contains("nonlinear.a must be in (−1, 1)"), process.getMessage());
    }

    /**
     * Trains, resumes and samples with one engine thread throughout: the exact comparisons below need the same
     * thread count in every run, which the default policy (auto, following other processes' load) does not promise.
     */
    @Test
    void aTinyModelTrainsResumesAndSamples(@TempDir Path dir) {
        EngineThreads.using(new ThreadPolicy.Fixed(1), () -> {
            trainResumeAndSample(dir);
            return null;
        });
    }

    private static void trainResumeAndSample(Path dir) {
        ImageSet data = Blots.of(64);
        TrainingConfig base = Presets.named("mnist-nonlinear");
        TrainingConfig config = new TrainingConfig("tiny-nonlinear",
                new TrainingConfig.Data("folder", "blots", 0, 1, 8, false, List.of(1, 8, 8)),
                new NetworkConfig.UNet(1, 8, 16, List.of(1, 2), 1, List.of(), 0, 0, 2), base.preconditioning(),
                base.time(), new TrainingConfig.Optimization(8, 4, 1e-3, 0, 0.9, 0.999, 1e-8, 0, 1, 0, 0, 0, 0, 2, 0,
                        1),
                new TrainingConfig.Sampling("pf-euler", 3, 0.002, 80, 7, 4), null, null, null, SMALL);
        RunDirectory run = new RunDirectory(dir.resolve("run"));
        Trainer.train(config.withSteps(2), data, run, false, new Trainer.Listener() { });
        Trainer.train(config, data, run, true, new Trainer.Listener() { });
        RunDirectory straight = new RunDirectory(dir.resolve("straight"));
        Trainer.train(config, data, straight, false, new Trainer.Listener() { });
        try (NDManager m = Backend.newManager()) {
            TrainedModel resumed = TrainedModel.load(dir.resolve("run"), m);
            TrainedModel direct = TrainedModel.load(dir.resolve("straight"), m);
            Generator generator = resumed.generator();
            assertEquals("non-linear", generator.kind());
            long[] seeds = {3, 4, 5};
            for (String sampler : generator.samplers()) {
                Generation g = generator.generate(GenerationRequest.builder(seeds).sampler(sampler).steps(3).build(),
                        m);
                assertEquals(new Shape(3, 1, 8, 8), g.samples().getShape(), sampler);
                assertEquals(3, g.evaluations(), sampler + " evaluations");
                float[] x = g.samples().toFloatArray();
                assertTrue(allFinite(x), sampler + " gave non-finite values");
                assertArrayEquals(x, direct.generator().generate(GenerationRequest.builder(seeds).sampler(sampler)
                        .steps(3).build(), m).samples().toFloatArray(), sampler
                        + ": the resumed run samples as the straight one");
            }
            InvalidArgumentException guided = assertThrows(InvalidArgumentException.class,
                    () -> generator.generate(GenerationRequest.builder(seeds).steps(3).guidance(2).build(), m));
            assertTrue(guided.getMessage().contains("non-linear-process model does not take classifier-free"),
                    guided.getMessage());
        }
    }

    private static boolean allFinite(float[] x) {
        for (float v : x) {
            if (!Float.isFinite(v)) {
                return false;
            }
        }
        return true;
    }

    /** The exact heads for data at {@link #LEVEL}: [−σ̄·∇ ln p_t(x | x_0), (x_0 − x)/σ̄]; t from the label ¼·ln t. */
    private static final class Oracle implements Network {
        private final TransitionTable table;
        final List<double[]> inputs = new ArrayList<>();

        Oracle(TransitionTable table) {
            this.table = table;
        }

        @Override
        public NDArray forward(NDArray x, NDArray noiseLabel, NDArray classLabels, boolean training) {
            double[] labels = noiseLabel.toType(DataType.FLOAT64, false).toDoubleArray();
            double[] xs = x.toType(DataType.FLOAT64, false).toDoubleArray();
            inputs.add(xs);
            int n = labels.length;
            int per = xs.length / n;
            double[] out = new double[2 * xs.length];
            for (int i = 0; i < n; i++) {
                double t = Math.exp(4 * labels[i]);
                int k = (int) Math.round(Math.log(t / SMALL.minTime()) / Math.log(SMALL.horizon() / SMALL.minTime())
                        * (SMALL.times() - 1));
                double exactScale = SMALL.outputScale(SMALL.tabulatedTime(k));
                for (int j = 0; j < per; j++) {
                    double v = xs[i * per + j];
                    out[2 * i * per + j] = -exactScale * table.score(LEVEL, k, v);
                    out[(2 * i + 1) * per + j] = (SMALL.level(LEVEL) - v) / exactScale;
                }
            }
            long[] dims = x.getShape().getShape().clone();
            dims[1] *= 2;
            return x.getManager().create(out, new Shape(dims)).toType(x.getDataType(), false);
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
