package org.diffusion4j.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.SplittableRandom;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.backend.NativeArrays;
import org.diffusion4j.backend.Scalars;
import org.diffusion4j.generate.BridgeGenerator;
import org.diffusion4j.generate.Generation;
import org.diffusion4j.generate.GenerationRequest;
import org.diffusion4j.generate.Generator;
import org.diffusion4j.nn.Network;
import org.diffusion4j.nn.NetworkConfig;
import org.diffusion4j.restore.ImageBridge;
import org.junit.jupiter.api.Test;

/**
 * PGD on the observation: on a linear restorer R(y) = 3y the best ℓ∞ attack is known (every value at ±ε, a change of
 * 3ε everywhere), and PGD reaches it, with the noise fixed and in expectation over draws; through a bridge's whole
 * sampler the gradient it follows is the finite differences' and the attack climbs.
 */
class ObservationAttackTest {

    @Test
    void onALinearRestorerPgdFindsTheCorner() {
        try (NDManager m = Backend.newManager()) {
            NDArray y = m.randomUniform(-1, 1, new Shape(5, 1, 4, 4));
            GenerationRequest request = GenerationRequest.builder(GenerationRequest.consecutiveSeeds(0, 5))
                    .observation(y).steps(1).build();
            for (int draws : new int[] {1, 3}) {
                ObservationAttack attack = ObservationAttack.of(0.05, 10, draws);
                Generator tripler = new Tripler(0.1);
                NDArray attacked = attack.perturb(tripler, request, 7, m);
                NDArray change = attack.restore(tripler, request, attacked, m).sub(attack.restore(tripler, request,
                        y, m));
                double[] values = change.toType(DataType.FLOAT64, false).toDoubleArray();
                for (double v : values) {
                    assertEquals(0.15, Math.abs(v), 1e-5, draws + " draws");
                }
                assertEquals(0.05, attacked.sub(y).abs().max().getFloat(), 1e-6, "inside the ball");
            }
        }
    }

    /**
     * Through a bridge's whole sampler (a U-Net with random weights, the ODE in 4 steps, float32): the gradient of
     * ‖R(y) − c‖² with respect to y that the attack follows matches central finite differences along random
     * directions (within 5%), and the attack changes the output more than its random start did.
     */
    @Test
    void throughABridgeSamplerTheGradientIsRightAndTheAttackClimbs() {
        try (NDManager m = Backend.newManager()) {
            Network network = new NetworkConfig.UNet(2, 8, 16, List.of(1, 2), 1, List.of(), 0, 0, 1)
                    .initialize(m, DataType.FLOAT32, 3);
            for (NDArray w : network.weights().all().values()) { // the last layer starts at zero: give it a slope
                w.addi(Scalars.times(m.randomNormal(w.getShape()), 0.05));
            }
            Generator bridge = new BridgeGenerator(new ImageBridge("gmax", "sr:factor=2"), network,
                    new Shape(1, 8, 8), "bridge-ode");
            NDArray y = m.randomUniform(-1, 1, new Shape(4, 1, 4, 4));
            GenerationRequest request = GenerationRequest.builder(GenerationRequest.consecutiveSeeds(0, 4))
                    .observation(y).sampler("bridge-ode").steps(4).build();
            ObservationAttack once = new ObservationAttack(0, 0, 0, 1);
            NDArray target = once.restore(bridge, request, y, m).add(m.randomNormal(new Shape(4, 1, 8, 8)));
            NDArray point = y.duplicate();
            point.setRequiresGradient(true);
            NDArray gradient;
            try (ai.djl.training.GradientCollector c = ai.djl.engine.Engine.getInstance().newGradientCollector()) {
                NDArray d = once.restore(bridge, request, point, m).sub(target);
                c.backward(d.mul(d).sum());
                gradient = point.getGradient().duplicate();
            }
            for (int k = 0; k < 3; k++) {
                NDArray u = m.randomNormal(y.getShape());
                double h = 1e-2;
                double up = loss(once, bridge, request, y.add(Scalars.times(u, h)), target, m);
                double down = loss(once, bridge, request, y.sub(Scalars.times(u, h)), target, m);
                double numeric = (up - down) / (2 * h);
                double analytic = gradient.mul(u).sum().getFloat();
                assertEquals(numeric, analytic, 0.05 * Math.abs(numeric), "direction " + k);
            }
            double epsilon = 8 / 255.0;
            NDArray clean = once.restore(bridge, request, y, m);
            double attacked = rms(once.restore(bridge, request, ObservationAttack.of(epsilon, 10, 1).perturb(bridge,
                    request, 1, m), m).sub(clean));
            double start = rms(once.restore(bridge, request, ObservationAttack.of(epsilon, 0, 1).perturb(bridge,
                    request, 1, m), m).sub(clean));
            assertTrue(attacked > 1.5 * start, "attack " + attacked + " vs its random start " + start);
        }
    }

    private static double loss(ObservationAttack once, Generator g, GenerationRequest request, NDArray y,
            NDArray target, NDManager m) {
        NDArray d = once.restore(g, request, y, m).sub(target);
        return d.mul(d).sum().getFloat();
    }

    private static double rms(NDArray d) {
        return Math.sqrt(d.mul(d).mean().getFloat());
    }

    /** R(y) = 3y, plus Gaussian noise of standard deviation {@code noise} from each seed. */
    private record Tripler(double noise) implements Generator {
        @Override
        public String kind() {
            return "tripler";
        }

        @Override
        public Shape sampleShape() {
            return new Shape(1, 4, 4);
        }

        @Override
        public int classes() {
            return 0;
        }

        @Override
        public List<String> samplers() {
            return List.of("triple");
        }

        @Override
        public String defaultSampler() {
            return "triple";
        }

        @Override
        public Generation generate(GenerationRequest request, NDManager manager) {
            NDArray y = request.observation();
            NDArray[] draws = new NDArray[request.seeds().length];
            for (int i = 0; i < draws.length; i++) {
                draws[i] = NativeArrays.standardNormal(new SplittableRandom(request.seeds()[i]), new Shape(1, 1, 4, 4),
                        manager).toType(DataType.FLOAT32, false);
            }
            NDArray z = NDArrays.concat(new NDList(draws));
            return new Generation(Scalars.times(y, 3).add(Scalars.times(z, noise)), 1, 1, "triple");
        }
    }
}
