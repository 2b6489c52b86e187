package org.diffusion4j.train;

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
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.backend.EngineThreads;
import org.diffusion4j.backend.Scalars;
import org.diffusion4j.backend.ThreadPolicy;
import org.diffusion4j.data.ImageSet;
import org.diffusion4j.denoise.Preconditioning;
import org.diffusion4j.generate.Generation;
import org.diffusion4j.generate.GenerationRequest;
import org.diffusion4j.generate.Generator;
import org.diffusion4j.nn.ExtraChannels;
import org.diffusion4j.nn.NetworkConfig;
import org.diffusion4j.nn.SpeechNetwork;
import org.diffusion4j.tts.SpeechModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Text-to-speech through the ordinary trainer: the encoder spells its words, learns only from the prior loss and the
 * decoder only from its own (μ held fixed), the diffusion decoder models the residual, configs that cannot work are
 * refused by field, and a tiny model trains, resumes exactly and says words through the generator facade.
 */
class SpeechTrainingTest {
    private static final NetworkConfig.UNet DECODER = new NetworkConfig.UNet(2, 8, 16, List.of(1, 2), 1, List.of(),
            0, 0, 1);
    private static final NetworkConfig.Speech NETWORK = new NetworkConfig.Speech(List.of("ab", "ba", "b"), 4, 8,
            DECODER);

    /** The encoder reads letters, not indices: the same weights give word "ba" the same prior wherever it is listed. */
    @Test
    void theEncoderSpellsItsWords() {
        try (NDManager m = Backend.newManager()) {
            SpeechNetwork a = (SpeechNetwork) NETWORK.initialize(m, DataType.FLOAT32, 3);
            SpeechNetwork b = (SpeechNetwork) new NetworkConfig.Speech(List.of("ba", "ab", "b"), 4, 8, DECODER)
                    .load(a.weights().all(), m, DataType.FLOAT32, "the same weights");
            NDArray priors = a.prior(m.create(new int[] {0, 1, 2}));
            assertEquals(new Shape(3, 1, 8, 8), priors.getShape());
            assertArrayEquals(priors.get("1").toFloatArray(), b.prior(m.create(new int[] {0})).get("0").toFloatArray(),
                    1e-6f);
            assertArrayEquals(priors.get("0").toFloatArray(), b.prior(m.create(new int[] {1})).get("0").toFloatArray(),
                    1e-6f);
            assertFalse(priors.get("0").contentEquals(priors.get("1")), "anagrams differ by position");
            assertFalse(a.hasNullClass());
            assertEquals(3, a.classes());
        }
    }

    /**
     * For both decoders, the gradient of the whole loss on the encoder's weights is that of the prior loss
     * mean (μ − x₀)² alone and on the decoder's that of the decoder's loss alone — the bridge's from x₀ to μ, or the
     * denoising loss of the residual x₀ − μ given μ — and the loss is their sum.
     */
    @Test
    void theEncoderLearnsFromThePriorLossAndTheDecoderFromItsOwn() {
        for (SpeechModel model : List.of(new SpeechModel("bridge", "gmax"), new SpeechModel("diffusion", null))) {
            Preconditioning preconditioning = new Preconditioning("vp:beta_min=0.05,beta_max=20", "epsilon", 1, false,
                    "time");
            Objective denoising = new Objective(preconditioning);
            SpeechObjective objective = new SpeechObjective(model, denoising);
            try (NDManager m = Backend.newManager()) {
                Map<String, NDArray> shaken = new HashMap<>(); // the decoder's output layer starts at zero
                Backend.seedEngine(5);
                NETWORK.initialize(m, DataType.FLOAT32, 5).weights().all().forEach((name, w) -> shaken.put(name,
                        w.add(Scalars.times(m.randomNormal(w.getShape()), 0.1))));
                SpeechNetwork network = (SpeechNetwork) NETWORK.load(shaken, m, DataType.FLOAT32, "shaken");
                NDArray x0 = m.randomUniform(-1, 1, new Shape(4, 1, 8, 8));
                NDArray labels = m.create(new int[] {0, 1, 2, 0});
                NDArray noise = m.randomNormal(x0.getShape());
                double[] t = {0.2, 0.4, 0.6, 0.8};
                Function<Boolean, NDArray> decoderLoss = fixed -> {
                    NDArray mu = network.prior(labels).stopGradient();
                    return model.bridge()
                            ? BridgeObjective.loss(model.reference(), network, x0, mu, t, noise, null, false)
                            : denoising.loss(new ExtraChannels(network, mu), x0.sub(mu), null, t, noise, false);
                };
                Function<Boolean, NDArray> priorLoss = any -> {
                    NDArray d = network.prior(labels).sub(x0);
                    return d.mul(d).mean();
                };
                Map<String, float[]> whole = gradients(network, () -> objective.loss(network, x0, labels, t, noise,
                        false));
                Map<String, float[]> prior = gradients(network, () -> priorLoss.apply(true));
                Map<String, float[]> decoder = gradients(network, () -> decoderLoss.apply(true));
                int encoderWeights = 0;
                for (String name : whole.keySet()) {
                    boolean encoder = name.startsWith("encoder.");
                    encoderWeights += encoder ? 1 : 0;
                    float[] expected = encoder ? prior.get(name) : decoder.get(name);
                    assertArrayEquals(expected, whole.get(name), 1e-6f, model.method() + ": " + name);
                    float[] other = encoder ? decoder.get(name) : prior.get(name);
                    for (float g : other) {
                        assertEquals(0, g, 0, model.method() + ": " + name + " gets nothing from the other loss");
                    }
                }
                assertEquals(8, encoderWeights, "the character table and three layers, weights and biases");
                double sum = decoderLoss.apply(true).getFloat() + priorLoss.apply(true).getFloat();
                assertEquals(sum, objective.loss(network, x0, labels, t, noise, false).getFloat(), 1e-6 * sum);
            }
        }
    }

    private static Map<String, float[]> gradients(SpeechNetwork network, java.util.function.Supplier<NDArray> loss) {
        network.weights().requireGradients(true);
        Gradients.zero(network.weights().all());
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            collector.backward(loss.get());
        }
        Map<String, float[]> out = new HashMap<>();
        network.weights().all().forEach((name, w) -> out.put(name, w.getGradient().toFloatArray()));
        network.weights().requireGradients(false);
        return out;
    }

    @Test
    void configsThatCannotWorkAreRefusedByField() {
        TrainingConfig bridge = Presets.named("digits-tts-bridge");
        TrainingConfig diffusion = Presets.named("digits-tts-diffusion");
        assertEquals("is a text-to-speech model (field speech is set)", bridge.notGaussian());
        assertTrue(bridge.objective() instanceof SpeechObjective);
        InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> new TrainingConfig("x",
                bridge.data(), new NetworkConfig.UNet(2, 32, 16, List.of(1, 2, 4), 2, List.of(8), 0.1, 0, 1),
                bridge.preconditioning(), bridge.time(), bridge.optimization(), bridge.sampling(), null, null, null,
                null, null, null, bridge.speech()));
        assertEquals("a text-to-speech model needs a speech network (a character encoder and a decoder U-Net), got a "
                + "unet network", e.getMessage());
        e = assertThrows(InvalidArgumentException.class, () -> new TrainingConfig("x", bridge.data(),
                bridge.network(), bridge.preconditioning(), bridge.time(), bridge.optimization(), bridge.sampling(),
                null, null, null, null, null, null, null));
        assertTrue(e.getMessage().startsWith("a speech network (a character encoder and a decoder) trains only a "
                + "text-to-speech model"), e.getMessage());
        e = assertThrows(InvalidArgumentException.class, () -> new TrainingConfig("x", bridge.data(),
                bridge.network(), bridge.preconditioning(), diffusion.time(), bridge.optimization(),
                bridge.sampling(), null, null, null, null, null, null, bridge.speech()));
        assertTrue(e.getMessage().startsWith("a bridge speech model trains at times inside (0, 1)"), e.getMessage());
        e = assertThrows(InvalidArgumentException.class, () -> new TrainingConfig("x", new TrainingConfig.Data(
                "spoken-digits", "complex", 0, 0, 0, false, List.of(2, 64, 64)), bridge.network(),
                bridge.preconditioning(), bridge.time(), bridge.optimization(), bridge.sampling(), null, null, null,
                null, null, null, bridge.speech()));
        assertEquals("the speech network's prior and decoder output have shape [1, 32, 32] but the data's samples "
                + "have shape [2, 64, 64]", e.getMessage());
        e = assertThrows(InvalidArgumentException.class, () -> new NetworkConfig.Speech(List.of("One"), 4, 8,
                DECODER));
        assertEquals("speech network vocabulary: 'One' is not a word of lower-case letters a-z", e.getMessage());
        e = assertThrows(InvalidArgumentException.class, () -> new NetworkConfig.Speech(List.of("a"), 4, 8,
                new NetworkConfig.UNet(1, 8, 16, List.of(1, 2), 1, List.of(), 0, 0)));
        assertTrue(e.getMessage().startsWith("a speech network's decoder takes [x, μ] and no classes"),
                e.getMessage());
    }

    /** One engine thread throughout, as the exact comparisons need. */
    @Test
    void aTinySpeechModelTrainsResumesAndSaysWords(@TempDir Path dir) {
        EngineThreads.using(new ThreadPolicy.Fixed(1), () -> {
            for (String preset : List.of("digits-tts-bridge", "digits-tts-diffusion")) {
                trainResumeAndSay(dir.resolve(preset), Presets.named(preset));
            }
            return null;
        });
    }

    private static void trainResumeAndSay(Path dir, TrainingConfig preset) {
        float[] values = new float[30 * 64];
        int[] labels = new int[30];
        SplittableRandom random = new SplittableRandom(2);
        for (int i = 0; i < 30; i++) {
            labels[i] = i % 3;
            for (int k = 0; k < 64; k++) {
                values[i * 64 + k] = (float) (0.5 * (labels[i] - 1) + 0.1 * random.nextGaussian());
            }
        }
        ImageSet data = new ImageSet(values, labels, new Shape(1, 8, 8), 3, "words");
        TrainingConfig config = new TrainingConfig("tiny-" + preset.name(),
                new TrainingConfig.Data("folder", "words", 0, 1, 8, false, List.of(1, 8, 8)), NETWORK,
                preset.preconditioning(), preset.time(), new TrainingConfig.Optimization(8, 4, 1e-3, 0, 0.9, 0.999,
                        1e-8, 0, 1, 0, 0, 0, 0, 2, 4, 1),
                new TrainingConfig.Sampling(preset.sampling().sampler(), 3, 0.002, 80, 7, 3), null, null, null, null,
                null, null, preset.speech());
        RunDirectory run = new RunDirectory(dir.resolve("run"));
        Trainer.train(config.withSteps(2), data, run, false, new Trainer.Listener() { });
        Trainer.train(config, data, run, true, new Trainer.Listener() { });
        RunDirectory straight = new RunDirectory(dir.resolve("straight"));
        Trainer.train(config, data, straight, false, new Trainer.Listener() { });
        try (NDManager m = Backend.newManager()) {
            TrainedModel resumed = TrainedModel.load(dir.resolve("run"), m);
            Generator generator = resumed.generator();
            Generator direct = TrainedModel.load(dir.resolve("straight"), m).generator();
            assertEquals("tts:" + preset.speech().method(), generator.kind());
            assertEquals(3, generator.classes());
            long[] seeds = {3, 4, 5};
            GenerationRequest request = GenerationRequest.builder(seeds).classes(new int[] {2, 0, 2}).steps(3).build();
            Generation g = generator.generate(request, m);
            assertEquals(new Shape(3, 1, 8, 8), g.samples().getShape());
            assertEquals(3, g.evaluations());
            assertArrayEquals(g.samples().toFloatArray(), direct.generate(request, m).samples().toFloatArray(),
                    preset.name() + ": the resumed run says words as the straight one");
            assertFalse(g.samples().get("0").contentEquals(g.samples().get("2")), "the samples depend on their seeds");
            InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> generator.generate(
                    GenerationRequest.builder(seeds).steps(3).build(), m));
            assertEquals("a text-to-speech model says words: give one word (class) per seed", e.getMessage());
            e = assertThrows(InvalidArgumentException.class, () -> generator.generate(GenerationRequest
                    .builder(seeds).classes(new int[] {0, 1, 3}).steps(3).build(), m));
            assertTrue(e.getMessage().contains("3"), e.getMessage());
        }
    }
}
