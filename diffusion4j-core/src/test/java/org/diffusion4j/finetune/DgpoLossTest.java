package org.diffusion4j.finetune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.backend.NativeArrays;
import org.diffusion4j.backend.Scalars;
import org.diffusion4j.nn.Network;
import org.diffusion4j.nn.NetworkConfig;
import org.diffusion4j.train.Objective;
import org.diffusion4j.train.Presets;
import org.junit.jupiter.api.Test;

class DgpoLossTest {

    /**
     * The surrogate's gradient is β times the gradient of the mean group objective −log σ(−s_g) taken through the
     * policy's losses (the paper's loss), on a tiny float64 MLP with two groups of three.
     */
    @Test
    void theSurrogateGradientIsProportionalToTheGroupObjectiveGradient() {
        double beta = 7;
        int g = 3;
        double[] advantages = {1.2, -0.2, -1.0, -1.3, 0.4, 0.9};
        Objective objective = new Objective(Presets.named("toy-2d").preconditioning());
        try (NDManager m = Backend.newManager()) {
            NetworkConfig.Mlp config = new NetworkConfig.Mlp(2, 16, 1, 8, 0);
            Network policy = config.initialize(m, DataType.FLOAT64, 5);
            perturb(policy, m);
            Network reference = config.initialize(m, DataType.FLOAT64, 5);
            policy.weights().requireGradients(true);
            SplittableRandom random = new SplittableRandom(9);
            NDArray x0 = NativeArrays.standardNormal(random, new Shape(6, 2), m).toType(DataType.FLOAT64, false);
            NDArray noise = NativeArrays.standardNormal(random, new Shape(6, 2), m).toType(DataType.FLOAT64, false);
            double[] t = {0.3, 0.3, 0.3, 2.0, 2.0, 2.0};
            double[] ref = objective.perSample(reference, x0, null, t, noise, false).loss()
                    .toType(DataType.FLOAT64, false).toDoubleArray();

            Map<String, double[]> exact;
            try (GradientCollector c = Engine.getInstance().newGradientCollector()) {
                NDArray loss = objective.perSample(policy, x0, null, t, noise, false).loss();
                // s_g = β/G Σ A_i (ℓ_i − ℓref_i), through the policy's losses; mean_g log(1 + e^{s_g})
                NDArray terms = loss.sub(m.create(ref)).mul(m.create(advantages)).reshape(2, g).sum(new int[] {1});
                NDArray s = Scalars.times(terms, beta / g);
                NDArray objectiveValue = Scalars.plus(s.exp(), 1).log().mean();
                c.backward(objectiveValue);
            }
            exact = gradients(policy);
            double[] policyLosses = objective.perSample(policy, x0, null, t, noise, false).loss()
                    .toType(DataType.FLOAT64, false).toDoubleArray();
            Map<String, double[]> surrogate;
            try (GradientCollector c = Engine.getInstance().newGradientCollector()) {
                NDArray loss = objective.perSample(policy, x0, null, t, noise, false).loss();
                c.backward(DgpoLoss.surrogate(loss, DgpoLoss.weights(policyLosses, ref, null, advantages, g, beta,
                        0)));
            }
            surrogate = gradients(policy);
            double norm = 0;
            for (String name : exact.keySet()) {
                double[] a = exact.get(name);
                double[] b = surrogate.get(name);
                for (int i = 0; i < a.length; i++) {
                    assertEquals(a[i], beta * b[i], 1e-10 + 1e-8 * Math.abs(a[i]), name + "[" + i + "]");
                    norm += a[i] * a[i];
                }
            }
            assertTrue(norm > 1e-6, "a real gradient: " + norm);
            // and the objective's value is the same mean of softplus(s_g)
            double[] scores = DgpoLoss.groupScores(policyLosses, ref, advantages, g, beta);
            double expected = 0;
            for (double s : scores) {
                expected += Math.log(1 + Math.exp(s)) / scores.length;
            }
            assertEquals(expected, DgpoLoss.objective(scores), 1e-12);
        }
    }

    @Test
    void weightsAreSigmoidTimesAdvantageAndTheClipMasksSamplesThatMovedTooFar() {
        double[] policy = {1.0, 2.0, 0.5, 0.5};
        double[] reference = {1.5, 1.0, 0.5, 0.5};
        double[] advantages = {1, -1, 1, -1};
        // s_0 = β/2·(1·(−0.5) − 1·(1.0)) = −0.75·β with β = 1; group 1 has s = 0
        double[] w = DgpoLoss.weights(policy, reference, null, advantages, 2, 1, 0);
        double sigma0 = 1 / (1 + Math.exp(0.75));
        assertArrayEquals(new double[] {sigma0, -sigma0, 0.5, -0.5}, w, 1e-15);
        // old losses: sample 0's ratio exp(1.2 − 1.0) > 1.01 with A > 0 → masked; sample 1's exp(1.9 − 2) < 0.99
        // with A < 0 → masked; sample 2's ratio 1 and sample 3's exp(0.504 − 0.5) within the range → kept
        double[] old = {1.2, 1.9, 0.5, 0.504};
        double[] clipped = DgpoLoss.weights(policy, reference, old, advantages, 2, 1, 0.01);
        assertArrayEquals(new double[] {0, 0, 0.5, -0.5}, clipped, 1e-15);
        assertEquals(Math.log(2), DgpoLoss.objective(new double[] {0}), 1e-15);
        assertEquals(800, DgpoLoss.objective(new double[] {800}), 1e-9, "no overflow for large s");
    }

    private static void perturb(Network network, NDManager m) {
        SplittableRandom random = new SplittableRandom(3);
        for (NDArray w : network.weights().all().values()) {
            w.addi(NativeArrays.standardNormal(random, w.getShape(), m).toType(DataType.FLOAT64, false)
                    .mul(m.create(0.1)));
        }
    }

    private static Map<String, double[]> gradients(Network network) {
        Map<String, double[]> out = new LinkedHashMap<>();
        network.weights().all().forEach((name, w) -> {
            out.put(name, w.getGradient().toType(DataType.FLOAT64, false).toDoubleArray());
            w.getGradient().subi(w.getGradient());
        });
        return out;
    }
}
