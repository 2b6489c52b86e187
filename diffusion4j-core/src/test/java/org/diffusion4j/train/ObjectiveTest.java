package org.diffusion4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.stream.Stream;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.denoise.Preconditioning;
import org.diffusion4j.denoise.ProcessCoefficients;
import org.diffusion4j.nn.Network;
import org.diffusion4j.nn.NetworkConfig;
import org.diffusion4j.process.NoiseSchedule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each objective's target is its closed form, written out here from the papers: ε (Ho et al. 2020), x_0,
 * v = αε − σx_0 (Salimans &amp; Ho 2022), u = α'x_0 + σ'ε (flow matching), EDM's (x_0 − c_skip·x̃)/c_out
 * (Karras et al. 2022, eq. 8). The loss of a network whose output is 0 (the MLP's output layer starts at zero) is
 * then the mean square of that target; and the data estimate of the exact target is x_0 itself.
 */
class ObjectiveTest {
    private static final double[] X0 = {0.3, -1.2, 0.8, 0.1, -0.5, 1.7, 0.0, -0.9};
    private static final double[] NOISE = {1.1, -0.4, 0.2, -2.0, 0.7, 0.3, -1.3, 0.5};
    private static final double[] TIMES_VP = {0.05, 0.3, 0.7, 0.95};

    static Stream<Arguments> objectives() {
        return Stream.of(
                Arguments.of(Preconditioning.predicting("vp", "epsilon", 1), TIMES_VP),
                Arguments.of(Preconditioning.predicting("vp-cosine", "data", 0.5), TIMES_VP),
                Arguments.of(Preconditioning.predicting("gvp", "v", 0.5), TIMES_VP),
                Arguments.of(Preconditioning.predicting("linear", "velocity", 0.5), TIMES_VP),
                Arguments.of(new Preconditioning("ve", "epsilon", 0.5, false, "log-half-sigma"),
                        new double[] {0.02, 0.5, 7, 90}),
                Arguments.of(Preconditioning.edm("edm", 0.5), new double[] {0.002, 0.4, 3, 80}),
                Arguments.of(Preconditioning.edm("vp", 0.5), TIMES_VP));
    }

    private static double target(Preconditioning p, NoiseSchedule s, double t, double x0, double eps) {
        double a = s.alpha(t);
        double sigma = s.sigma(t);
        double xt = a * x0 + sigma * eps;
        return switch (p.prediction()) {
            case "epsilon" -> eps;
            case "data" -> x0;
            case "v" -> a * eps - sigma * x0;
            case "velocity" -> s.alphaDerivative(t) * x0 + s.sigmaDerivative(t) * eps;
            case "edm" -> {
                double st = sigma / a;
                double d2 = p.sigmaData() * p.sigmaData();
                double skip = d2 / (st * st + d2);
                double out = st * p.sigmaData() / Math.sqrt(st * st + d2);
                yield (x0 - skip * xt / a) / out;
            }
            default -> throw new IllegalArgumentException(p.prediction());
        };
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("objectives")
    void lossAndTargetAreTheClosedForms(Preconditioning p, double[] times) {
        NoiseSchedule s = p.schedule();
        try (NDManager m = Backend.newManager()) {
            NDArray x0 = m.create(X0, new Shape(4, 2));
            NDArray eps = m.create(NOISE, new Shape(4, 2));
            double expectedLoss = 0;
            double[] expectedTarget = new double[8];
            for (int i = 0; i < 8; i++) {
                expectedTarget[i] = target(p, s, times[i / 2], X0[i], NOISE[i]);
                expectedLoss += expectedTarget[i] * expectedTarget[i] / 8;
            }
            ProcessCoefficients c = ProcessCoefficients.perSample(s, times, x0);
            NDArray xt = x0.mul(c.alpha()).add(eps.mul(c.sigma()));
            double[] target = p.target(x0, xt, c).toDoubleArray();
            for (int i = 0; i < 8; i++) {
                assertEquals(expectedTarget[i], target[i], 1e-12 * Math.max(1, Math.abs(expectedTarget[i])));
            }
            assertTrue(p.toData(p.target(x0, xt, c), xt, c).sub(x0).abs().max().getDouble() < 1e-10,
                    "toData(target) = x0");

            Network zero = new NetworkConfig.Mlp(2, 16, 1, 8, 0).initialize(m, DataType.FLOAT64, 1);
            double loss = new Objective(p).loss(zero, x0, null, times, eps, false).getDouble();
            assertEquals(expectedLoss, loss, 1e-12 * Math.max(1, expectedLoss));
        }
    }

    /** Under a degradation A the corrupted point is α·A_σ̃(x_0) + σ·ε and the EDM target still restores x_0. */
    @Test
    void degradedObjectiveCorruptsTheDegradedData() {
        Preconditioning p = Preconditioning.edm("vp", 0.5).withDegradation("saturation:gain=0.7");
        NoiseSchedule s = p.schedule();
        try (NDManager m = Backend.newManager()) {
            NDArray x0 = m.create(X0, new Shape(4, 2));
            NDArray eps = m.create(NOISE, new Shape(4, 2));
            double expectedLoss = 0;
            for (int i = 0; i < 8; i++) {
                double t = TIMES_VP[i / 2];
                double a = s.alpha(t);
                double sigma = s.sigma(t);
                double st = sigma / a;
                double k = 0.7 * st;
                double xt = a * Math.tanh(k * X0[i]) / k + sigma * NOISE[i];
                double d2 = 0.25;
                double skip = d2 / (st * st + d2);
                double out = st * 0.5 / Math.sqrt(st * st + d2);
                double target = (X0[i] - skip * xt / a) / out;
                expectedLoss += target * target / 8;
            }
            Network zero = new NetworkConfig.Mlp(2, 16, 1, 8, 0).initialize(m, DataType.FLOAT64, 1);
            double loss = new Objective(p).loss(zero, x0, null, TIMES_VP, eps, false).getDouble();
            assertEquals(expectedLoss, loss, 1e-12 * expectedLoss);
        }
        assertThrows(InvalidArgumentException.class, () -> Preconditioning.predicting("vp", "epsilon", 1)
                .withDegradation("blur"));
    }

    /**
     * SiT's loss weights, written out for the linear path (α = 1 − t, σ = t, so SiT's diffusion is t/(1 − t)):
     * velocity weights ε's error by 1/(1 − t)², likelihood by 1/(t(1 − t)); a score model's error counts in ε
     * units (SiT's ‖σ·ŝ + ε‖²), so with a zero output it costs exactly what an ε model does. On the GVP path
     * (d = (π/2)·tan(πt/2)) the velocity weight is (π/2)²/cos²(πt/2).
     */
    @Test
    void sitLossWeightsAreTheClosedForms() {
        double[] times = {0.1, 0.35, 0.6, 0.9};
        try (NDManager m = Backend.newManager()) {
            NDArray x0 = m.create(X0, new Shape(4, 2));
            NDArray eps = m.create(NOISE, new Shape(4, 2));
            Network zero = new NetworkConfig.Mlp(2, 16, 1, 8, 0).initialize(m, DataType.FLOAT64, 1);
            for (String prediction : new String[] {"epsilon", "score"}) {
                Preconditioning linear = Preconditioning.predicting("linear", prediction, 0.5);
                Preconditioning gvp = Preconditioning.predicting("gvp", prediction, 0.5);
                double velocity = 0;
                double likelihood = 0;
                double gvpVelocity = 0;
                for (int i = 0; i < 8; i++) {
                    double t = times[i / 2];
                    double e2 = NOISE[i] * NOISE[i];
                    velocity += e2 / ((1 - t) * (1 - t)) / 8;
                    likelihood += e2 / (t * (1 - t)) / 8;
                    double cos = Math.cos(Math.PI * t / 2);
                    gvpVelocity += e2 * (Math.PI / 2) * (Math.PI / 2) / (cos * cos) / 8;
                }
                assertEquals(velocity, new Objective(linear, LossWeight.VELOCITY).loss(zero, x0, null, times, eps,
                        false).getDouble(), 1e-12 * velocity, prediction);
                assertEquals(likelihood, new Objective(linear, LossWeight.LIKELIHOOD).loss(zero, x0, null, times,
                        eps, false).getDouble(), 1e-12 * likelihood, prediction);
                assertEquals(gvpVelocity, new Objective(gvp, LossWeight.VELOCITY).loss(zero, x0, null, times, eps,
                        false).getDouble(), 1e-12 * gvpVelocity, prediction);
            }
        }
        InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> new Objective(
                Preconditioning.predicting("linear", "velocity", 0.5), LossWeight.LIKELIHOOD));
        assertTrue(e.getMessage().contains("prediction velocity trains unweighted"), e.getMessage());
    }

    /** A config without {@code loss_weight} (every run written before it existed) trains unweighted. */
    @Test
    void configsWithoutLossWeightAreUnweighted() {
        TrainingConfig preset = Presets.named("mnist-sit-linear");
        String json = preset.toJson().replaceAll(",\\s*\"loss_weight\"\\s*:\\s*\"none\"", "");
        assertTrue(!json.contains("loss_weight"), json);
        TrainingConfig parsed = TrainingConfig.parse(json, "old config.json");
        assertEquals("none", parsed.lossWeight());
        assertEquals(preset, parsed);
        assertEquals(LossWeight.NONE, ((Objective) parsed.objective()).weight());
        String weighted = preset.toJson().replace("\"loss_weight\" : \"none\"", "\"loss_weight\" : \"likelihood\"");
        org.diffusion4j.DiffusionException bad = assertThrows(org.diffusion4j.DiffusionException.class,
                () -> TrainingConfig.parse(weighted, "config.json"));
        assertTrue(bad.getMessage().contains("config.json") && bad.getMessage().contains("loss weight likelihood"),
                bad.getMessage());
    }
}
