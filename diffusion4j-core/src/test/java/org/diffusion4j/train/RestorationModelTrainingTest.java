package org.diffusion4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.UnknownNameException;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.backend.EngineThreads;
import org.diffusion4j.backend.ThreadPolicy;
import org.diffusion4j.data.ImageSet;
import org.diffusion4j.denoise.Preconditioning;
import org.diffusion4j.generate.Generation;
import org.diffusion4j.generate.GenerationRequest;
import org.diffusion4j.generate.Generator;
import org.diffusion4j.nn.ExtraChannels;
import org.diffusion4j.nn.Network;
import org.diffusion4j.nn.NetworkConfig;
import org.diffusion4j.nn.Weights;
import org.diffusion4j.restore.RestorationModel;
import org.diffusion4j.restore.RestorationTask;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The two restorers other than the bridge through the ordinary trainer: a diffusion model conditioned on the
 * observation's prior (extra input channels) and the MMSE regressor. Their objectives see exactly the task's prior,
 * configs that cannot work are refused by field, and tiny U-Nets train, resume exactly and restore through the
 * generator facade.
 */
class RestorationModelTrainingTest {

    private static final RestorationTask TASK = RestorationTask.byName("sr:factor=2,noise=0.1");

    /**
     * The conditional objective is the process's own objective on the first half of the noise, with the network's
     * input extended by the prior of the observation made with the second half: its loss equals
     * {@link Objective#loss} of {@link ExtraChannels} on that prior, and the extra channel is that prior.
     */
    @Test
    void theConditionalObjectiveIsTheDenoisingObjectiveGivenThePrior() {
        Preconditioning edm = Preconditioning.edm("edm", 0.5);
        ConditionalObjective objective = new ConditionalObjective(TASK, new Objective(edm));
        try (NDManager m = Backend.newManager()) {
            NDArray x0 = m.randomUniform(-1, 1, new Shape(6, 1, 8, 8));
            assertEquals(new Shape(6, 2, 8, 8), objective.noiseShape(x0.getShape()));
            NDArray noise = m.randomNormal(new Shape(6, 2, 8, 8));
            double[] t = {0.1, 0.5, 1, 2, 10, 40};
            Recorder recorder = new Recorder();
            double loss = objective.loss(recorder, x0, null, t, noise, false).getFloat();
            NDArray prior = TASK.prior(TASK.observe(x0, noise.get(":, 1:2")));
            assertArrayEquals(prior.toFloatArray(), recorder.input.get(":, 1:2").toFloatArray(), 1e-6f,
                    "the second input channel is the observation's prior");
            double expected = new Objective(edm).loss(new ExtraChannels(new Recorder(), prior), x0, null, t,
                    noise.get(":, 0:1"), false).getFloat();
            assertEquals(expected, loss, 1e-6 * Math.abs(expected), "the denoising objective given the prior");
            assertTrue(loss > 0.1, "a network answering zeros has a loss, got " + loss);
        }
    }

    /** The regressor sees the prior of the noisy observation at noise label 0; answering x₀ costs nothing. */
    @Test
    void theRegressorSeesThePriorAndTheCleanImageCostsNothing() {
        RegressionObjective objective = new RegressionObjective(TASK);
        try (NDManager m = Backend.newManager()) {
            NDArray x0 = m.randomUniform(-1, 1, new Shape(5, 1, 8, 8));
            NDArray noise = m.randomNormal(new Shape(5, 1, 8, 8));
            assertEquals(x0.getShape(), objective.noiseShape(x0.getShape()));
            Recorder oracle = new Recorder(x0);
            assertEquals(0, objective.loss(oracle, x0, null, new double[5], noise, false).getFloat(), 1e-12);
            assertArrayEquals(TASK.prior(TASK.observe(x0, noise)).toFloatArray(), oracle.input.toFloatArray(), 1e-6f);
            assertArrayEquals(new float[5], oracle.label.toFloatArray());
            Recorder zeros = new Recorder();
            double loss = objective.loss(zeros, x0, null, new double[5], noise, false).getFloat();
            assertEquals(x0.mul(x0).mean().getFloat(), loss, 1e-6, "zeros cost the mean square of x₀");
        }
    }

    @Test
    void configsThatCannotWorkAreRefusedByField() {
        for (String name : List.of("mnist-cond-sr4", "mnist-mmse-inpaint")) {
            TrainingConfig preset = Presets.named(name);
            assertEquals(preset, TrainingConfig.parse(preset.toJson(), "round trip"), name);
            assertEquals(Presets.RESTORATION_TRAINING_IMAGES, preset.data().size(), name);
        }
        TrainingConfig conditional = Presets.named("mnist-cond-sr4");
        TrainingConfig regression = Presets.named("mnist-mmse-sr4");
        assertEquals("is a conditional restoration model (field restoration is set)", conditional.notGaussian());
        assertEquals("is a regression restoration model (field restoration is set)", regression.notGaussian());
        InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> new TrainingConfig(
                conditional.name(), conditional.data(), regression.network(), conditional.preconditioning(),
                conditional.time(), conditional.optimization(), conditional.sampling(), null, null, null, null, null,
                conditional.restoration()));
        assertEquals("a conditional restoration model needs a U-Net taking [x_t, x₁], shape [2, 28, 28], and "
                + "returning the data's 1 channels (network.output_channels), got a U-Net taking [1, 28, 28] and "
                + "returning 1 channels", e.getMessage());
        e = assertThrows(InvalidArgumentException.class, () -> new TrainingConfig(regression.name(),
                regression.data(), conditional.network(), regression.preconditioning(), regression.time(),
                regression.optimization(), regression.sampling(), null, null, null, null, null,
                regression.restoration()));
        assertTrue(e.getMessage().startsWith("a regression restoration model needs a U-Net taking the image x₁, "
                + "shape [1, 28, 28]"), e.getMessage());
        e = assertThrows(InvalidArgumentException.class, () -> new TrainingConfig(regression.name(),
                regression.data(), regression.network(), regression.preconditioning(), regression.time(),
                regression.optimization(), regression.sampling(), null, null, null, null,
                Presets.named("mnist-bridge-sr4").bridge(), regression.restoration()));
        assertTrue(e.getMessage().startsWith("a bridge model (field bridge) cannot also set"), e.getMessage());
        assertThrows(UnknownNameException.class, () -> new RestorationModel("ddrm", "sr4"));
        e = assertThrows(InvalidArgumentException.class, () -> new RestorationModel("regression", "colorize"));
        assertTrue(e.getMessage().startsWith("restoration: unknown task 'colorize'"), e.getMessage());
    }

    /** One engine thread throughout, as the exact comparisons need. */
    @Test
    void tinyRestorersTrainResumeAndRestore(@TempDir Path dir) {
        EngineThreads.using(new ThreadPolicy.Fixed(1), () -> {
            trainResumeAndRestore(dir, "conditional");
            trainResumeAndRestore(dir, "regression");
            return null;
        });
    }

    private static void trainResumeAndRestore(Path dir, String method) {
        ImageSet data = Blots.of(32);
        boolean regression = method.equals("regression");
        TrainingConfig preset = Presets.named(regression ? "mnist-mmse-sr4" : "mnist-cond-sr4");
        TrainingConfig config = new TrainingConfig("tiny-" + method,
                new TrainingConfig.Data("folder", "blots", 0, 1, 8, false, List.of(1, 8, 8)),
                new NetworkConfig.UNet(regression ? 1 : 2, 8, 16, List.of(1, 2), 1, List.of(), 0, 0, 1),
                preset.preconditioning(), preset.time(), new TrainingConfig.Optimization(8, 4, 1e-3, 0, 0.9, 0.999,
                        1e-8, 0, 1, 0, 0, 0, 0, 2, 4, 1),
                new TrainingConfig.Sampling(regression ? "regression" : "heun", regression ? 1 : 3, 0.002, 80, 7, 4),
                null, null, null, null, null, new RestorationModel(method, "sr:factor=2,noise=0.1"));
        RunDirectory run = new RunDirectory(dir.resolve(method));
        Trainer.train(config.withSteps(2), data, run, false, new Trainer.Listener() { });
        Trainer.train(config, data, run, true, new Trainer.Listener() { });
        RunDirectory straight = new RunDirectory(dir.resolve(method + "-straight"));
        Trainer.train(config, data, straight, false, new Trainer.Listener() { });
        assertTrue(java.nio.file.Files.isRegularFile(straight.samples().resolve("step-0000004.png")), "the preview");
        try (NDManager m = Backend.newManager()) {
            Generator generator = TrainedModel.load(run.path(), m).generator();
            Generator direct = TrainedModel.load(straight.path(), m).generator();
            assertEquals(method + ":sr:factor=2,noise=0.1", generator.kind());
            NDArray y = TASK.measure(data.batch(m, new int[] {0, 1, 2}));
            long[] seeds = {3, 4, 5};
            List<String> samplers = regression ? List.of("regression") : List.of("heun", "euler-ancestral");
            for (String sampler : samplers) {
                GenerationRequest request = GenerationRequest.builder(seeds).observation(y).sampler(sampler)
                        .steps(regression ? 1 : 3).build();
                Generation g = generator.generate(request, m);
                assertEquals(new Shape(3, 1, 8, 8), g.samples().getShape(), sampler);
                assertEquals(regression ? 1 : sampler.equals("heun") ? 5 : 3, g.evaluations(), sampler);
                assertArrayEquals(g.samples().toFloatArray(), direct.generate(request, m).samples().toFloatArray(),
                        sampler + ": the resumed run restores as the straight one");
            }
            String stochastic = regression ? "regression" : "euler-ancestral";
            float[] first = generator.generate(GenerationRequest.builder(seeds).observation(y).sampler(stochastic)
                    .steps(regression ? 1 : 3).build(), m).samples().toFloatArray();
            float[] other = generator.generate(GenerationRequest.builder(new long[] {6, 7, 8}).observation(y)
                    .sampler(stochastic).steps(regression ? 1 : 3).build(), m).samples().toFloatArray();
            assertEquals(regression, Arrays.equals(first, other), "only the diffusion model's samples depend on seeds");
            InvalidArgumentException missing = assertThrows(InvalidArgumentException.class, () -> generator.generate(
                    GenerationRequest.builder(seeds).steps(1).build(), m));
            assertEquals("a restoration model restores observations: give one per seed (sr:factor=2,noise=0.1)",
                    missing.getMessage());
            if (regression) {
                InvalidArgumentException steps = assertThrows(InvalidArgumentException.class, () -> generator
                        .generate(GenerationRequest.builder(seeds).observation(y).steps(3).build(), m));
                assertEquals("an MMSE regressor restores in one step; asked for 3 steps", steps.getMessage());
                assertEquals(1, generator.generate(GenerationRequest.builder(seeds).observation(y).nfe(8).build(), m)
                        .evaluations(), "an NFE budget spends one call");
                InvalidArgumentException heun = assertThrows(InvalidArgumentException.class, () -> generator
                        .generate(GenerationRequest.builder(seeds).observation(y).sampler("heun").build(), m));
                assertEquals("an MMSE regressor has one sampler, regression; got 'heun'", heun.getMessage());
            }
        }
    }

    /** Keeps its input and noise label and answers a fixed image (zeros when none is given). */
    private static final class Recorder implements Network {
        private final NDArray answer;
        NDArray input;
        NDArray label;

        Recorder() {
            this(null);
        }

        Recorder(NDArray answer) {
            this.answer = answer;
        }

        @Override
        public NDArray forward(NDArray x, NDArray noiseLabel, NDArray classLabels, boolean training) {
            input = x;
            label = noiseLabel;
            return answer != null ? answer.duplicate() : x.getManager().zeros(new Shape(x.getShape().get(0), 1,
                    x.getShape().get(2), x.getShape().get(3)), x.getDataType());
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
