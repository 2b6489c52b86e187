package org.diffusion4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.diffusion4j.DiffusionException;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.backend.EngineThreads;
import org.diffusion4j.backend.Scalars;
import org.diffusion4j.backend.ThreadPolicy;
import org.diffusion4j.data.ImageSet;
import org.diffusion4j.denoise.Preconditioning;
import org.diffusion4j.nn.Network;
import org.diffusion4j.nn.NetworkConfig;
import org.diffusion4j.nn.Weights;
import org.diffusion4j.restore.ImageBridge;
import org.diffusion4j.restore.RestorationModel;
import org.diffusion4j.restore.RestorationTask;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Adversarial ("robustified") training of restorers (regressor, conditional model, bridge): the step's perturbation is
 * the worst one the ascent finds inside the ball, the step's loss is the restorer's plus λ times the output change it
 * causes, the weights' gradients of the search are cleared, and a robust run resumes exactly.
 */
class AdversarialObjectiveTest {

    private static final RestorationTask TASK = RestorationTask.byName("sr:factor=2,noise=0.1");
    private static final RestorationModel.Robustness ROBUST = new RestorationModel.Robustness(0.05, 3, 2.0);

    /**
     * A regressor that scales its input by a: the output change a·prior(δ) is largest at a corner of the ball, and
     * three Madry steps reach one from any start (|δ| = ε everywhere); the loss is then the regressor's plus
     * λ·a²·ε², nearest upsampling keeping |prior(δ)| = ε.
     */
    @Test
    void aLinearRegressorIsAttackedAtACornerAndPaysLambdaTimesTheChange() {
        double a = 1.5;
        RegressionObjective base = new RegressionObjective(TASK);
        AdversarialObjective objective = new AdversarialObjective(base, ROBUST);
        try (NDManager m = Backend.newManager()) {
            Backend.seedEngine(11);
            NDArray x0 = m.randomUniform(-1, 1, new Shape(4, 1, 8, 8));
            NDArray noise = m.randomNormal(new Shape(4, 1, 8, 8));
            double[] t = new double[4];
            Network scale = new Fixed(x -> Scalars.times(x, a), m);
            TrainingObjective step = objective.prepare(scale, x0, null, t, noise);
            assertNotSame(objective, step);
            double base0 = base.loss(scale, x0, null, t, noise, false).getFloat();
            double expected = base0 + ROBUST.weight() * a * a * ROBUST.epsilon() * ROBUST.epsilon();
            assertEquals(expected, step.loss(scale, x0, null, t, noise, false).getFloat(), 1e-5 * expected);
            DiffusionException e = assertThrows(DiffusionException.class,
                    () -> objective.loss(scale, x0, null, t, noise, true));
            assertTrue(e.getMessage().contains("call prepare"), e.getMessage());
            assertEquals(new Shape(4, 1, 8, 8), objective.noiseShape(x0.getShape()));
            assertSame(base, base.prepare(scale, x0, null, t, noise), "a plain objective prepares nothing");
        }
    }

    /**
     * A bridge "network" answering x_t + x₁ at times t: y ↦ y + δ moves both its state, by b_t·prior(δ), and its
     * conditioning, by prior(δ), so the change (1 + b_t)·prior(δ) is largest at a corner of the ball and the loss is
     * the bridge's plus λ·ε²·mean over the batch of (1 + b_t)².
     */
    @Test
    void aBridgeIsAttackedThroughItsStateAndItsConditioning() {
        ImageBridge bridge = new ImageBridge("gmax", "sr:factor=2", ROBUST);
        BridgeObjective base = new BridgeObjective(bridge);
        AdversarialObjective objective = new AdversarialObjective(base, ROBUST);
        try (NDManager m = Backend.newManager()) {
            Backend.seedEngine(13);
            NDArray x0 = m.randomUniform(-1, 1, new Shape(3, 1, 8, 8));
            NDArray noise = m.randomNormal(base.noiseShape(x0.getShape()));
            double[] t = {0.1, 0.5, 0.9};
            Network stateAndPrior = new Fixed(x -> x.get(":, 0:1").add(x.get(":, 1:2")), m);
            double penalty = 0;
            for (double time : t) {
                double b = bridge.reference().marginal(time).b();
                penalty += (1 + b) * (1 + b) / t.length;
            }
            double base0 = base.loss(stateAndPrior, x0, null, t, noise, false).getFloat();
            double expected = ROBUST.weight() * ROBUST.epsilon() * ROBUST.epsilon() * penalty;
            TrainingObjective step = objective.prepare(stateAndPrior, x0, null, t, noise);
            double paid = step.loss(stateAndPrior, x0, null, t, noise, false).getFloat() - base0;
            assertEquals(expected, paid, 1e-3 * expected, "the penalty (moving only the conditioning: λ·ε²)");
        }
    }

    /**
     * On a U-Net (a non-linear output; its weights shaken, the output layer starting at zero) the search moves the output more than its random start and stays in the ball,
     * the loss is the conditional objective's plus λ·mean (F(y + δ) − F(y))², and the search leaves no gradient on
     * the weights.
     */
    @Test
    void onAUNetTheSearchGainsStaysInTheBallAndLeavesNoGradients() {
        ConditionalObjective base = new ConditionalObjective(TASK, new Objective(Preconditioning.edm("edm", 0.5)));
        try (NDManager m = Backend.newManager()) {
            NetworkConfig unet = new NetworkConfig.UNet(2, 8, 16, List.of(1, 2), 1, List.of(), 0, 0, 1);
            Map<String, NDArray> shaken = new java.util.HashMap<>();  // the output layer starts at zero
            Backend.seedEngine(5);
            unet.initialize(m, DataType.FLOAT32, 5).weights().all().forEach((name, w) -> shaken.put(name,
                    w.add(Scalars.times(m.randomNormal(w.getShape()), 0.1))));
            Network network = unet.load(shaken, m, DataType.FLOAT32, "shaken");
            network.weights().requireGradients(true);
            NDArray x0 = m.randomUniform(-1, 1, new Shape(3, 1, 8, 8));
            NDArray noise = m.randomNormal(base.noiseShape(x0.getShape()));
            double[] t = {0.3, 1.5, 6};
            NDArray y = base.observation(x0, noise);
            NDArray reference = base.output(network, x0, null, t, noise, y, false);
            Backend.seedEngine(7);
            NDArray start = m.randomUniform(-0.05f, 0.05f, y.getShape(), y.getDataType());
            Backend.seedEngine(7);
            TrainingObjective step = new AdversarialObjective(base, ROBUST).prepare(network, x0, null, t, noise);
            Backend.seedEngine(7);
            NDArray delta = new AdversarialObjective(base, new RestorationModel.Robustness(0.05, 3, 1))
                    .attack(network, x0, null, t, noise);
            assertTrue(delta.abs().max().getFloat() <= 0.05f + 1e-7f, "inside the ball");
            double atStart = change(base, network, x0, t, noise, y, start, reference);
            double found = change(base, network, x0, t, noise, y, delta, reference);
            assertTrue(found > 1.5 * atStart, "the ascent found a larger change: " + found + " vs " + atStart);
            for (NDArray w : network.weights().all().values()) {
                NDArray g = w.getGradient();
                assertEquals(0, g.abs().max().getFloat(), 0, "no gradient left by the search");
            }
            double expected = base.loss(network, x0, null, t, noise, false).getFloat() + ROBUST.weight() * found;
            assertEquals(expected, step.loss(network, x0, null, t, noise, false).getFloat(), 1e-5 * expected);
        }
    }

    /** A robust run trained 2 + 2 steps with a resume equals one trained 4 steps straight, from the same weights. */
    @Test
    void aRobustRunResumesExactly(@TempDir Path dir) {
        EngineThreads.using(new ThreadPolicy.Fixed(1), () -> {
            ImageSet data = Blots.of(32);
            TrainingConfig preset = Presets.named("mnist-mmse-sr4-robust");
            TrainingConfig config = new TrainingConfig("tiny-robust",
                    new TrainingConfig.Data("folder", "blots", 0, 1, 8, false, List.of(1, 8, 8)),
                    new NetworkConfig.UNet(1, 8, 16, List.of(1, 2), 1, List.of(), 0, 0, 1),
                    preset.preconditioning(), preset.time(), new TrainingConfig.Optimization(8, 4, 1e-3, 0, 0.9,
                            0.999, 1e-8, 0, 1, 0, 0, 0, 0, 2, 0, 1),
                    new TrainingConfig.Sampling("regression", 1, 0.002, 80, 7, 4), null, null, null, null, null,
                    new RestorationModel("regression", "sr:factor=2,noise=0.1", ROBUST));
            try (NDManager m = Backend.newManager()) {
                Map<String, NDArray> initial = config.network().initialize(m, DataType.FLOAT32, 3).weights().all();
                RunDirectory resumed = new RunDirectory(dir.resolve("resumed"));
                RunDirectory straight = new RunDirectory(dir.resolve("straight"));
                try (RunLock lock = resumed.lock()) {
                    Trainer.train(config.withSteps(2), config.objective(), initial, data, resumed, lock, false,
                            new Trainer.Listener() { });
                    Trainer.train(config, config.objective(), null, data, resumed, lock, true,
                            new Trainer.Listener() { });
                }
                try (RunLock lock = straight.lock()) {
                    Trainer.train(config, config.objective(), initial, data, straight, lock, false,
                            new Trainer.Listener() { });
                }
                Map<String, NDArray> a = resumed.readModel(m);
                Map<String, NDArray> b = straight.readModel(m);
                for (String name : a.keySet()) {
                    assertArrayEquals(b.get(name).toFloatArray(), a.get(name).toFloatArray(), name);
                }
                Map<String, NDArray> before = config.network().initialize(m, DataType.FLOAT32, 3).weights().all();
                String any = a.keySet().iterator().next();
                assertTrue(a.get(any).sub(before.get(any)).abs().max().getFloat() > 0, "the weights moved");
            }
            return null;
        });
    }

    @Test
    void robustPresetsRoundTripAndBadSettingsAreNamed() {
        for (String name : List.of("mnist-mmse-sr4-robust", "mnist-cond-inpaint-robust",
                "fashion-bridge-sr4-robust")) {
            TrainingConfig preset = Presets.named(name);
            assertEquals(preset, TrainingConfig.parse(preset.toJson(), "round trip"), name);
            assertTrue(preset.objective() instanceof AdversarialObjective, name);
            TrainingConfig plain = Presets.named(name.substring(0, name.length() - "-robust".length()));
            assertEquals(plain.network(), preset.network(), name + " fine-tunes the plain model's network");
            assertTrue(!plain.toJson().contains("robust"), "a plain config has no robust field");
        }
        InvalidArgumentException e = assertThrows(InvalidArgumentException.class,
                () -> new RestorationModel.Robustness(0.05, 0, 1));
        assertEquals("robust (of restoration or bridge) needs epsilon > 0, steps ≥ 1 and weight > 0, got epsilon "
                + "0.05, steps 0, weight 1.0", e.getMessage());
    }

    private static double change(RestorationObjective base, Network network, NDArray x0, double[] t, NDArray noise,
            NDArray y, NDArray delta, NDArray reference) {
        NDArray d = base.output(network, x0, null, t, noise, y.add(delta), false).sub(reference);
        return d.mul(d).mean().getFloat();
    }

    /** A network without weights that maps its input by {@code map}. */
    private record Fixed(UnaryOperator<NDArray> map, NDManager manager) implements Network {
        @Override
        public NDArray forward(NDArray x, NDArray noiseLabel, NDArray classLabels, boolean training) {
            return map.apply(x);
        }

        @Override
        public Weights weights() {
            return Weights.from(Map.of(), manager, DataType.FLOAT32, "none");
        }

        @Override
        public NetworkConfig config() {
            return new NetworkConfig.Mlp(1, 4, 0, 2, 0);
        }
    }
}
