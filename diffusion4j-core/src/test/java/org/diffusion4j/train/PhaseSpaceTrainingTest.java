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
import java.util.SplittableRandom;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.data.ImageSet;
import org.diffusion4j.denoise.MixtureSpec;
import org.diffusion4j.denoise.Preconditioning;
import org.diffusion4j.eval.SlicedWasserstein;
import org.diffusion4j.nn.Network;
import org.diffusion4j.nn.NetworkConfig;
import org.diffusion4j.nn.Weights;
import org.diffusion4j.phase.Matrix2;
import org.diffusion4j.phase.PhaseEpsilon;
import org.diffusion4j.phase.PhaseSamplers;
import org.diffusion4j.phase.PhaseSpaceModel;
import org.diffusion4j.phase.Psld;
import org.diffusion4j.sample.StepCallback;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Phase-space training through the ordinary trainer: the corruption is z_t = μ_t + L_tε exactly; the network that
 * answers L_t⁻¹(z − μ_t) for point-mass data has zero loss and, as a {@link PhaseSpaceModel}, the exact score
 * −Σ_t⁻¹(z − μ_t); under the mixed score a zero network is the exact model of Gaussian data and the residual it
 * learns has unit scale along one direction and none across it; and a PSLD model of the eight-Gaussian mixture,
 * either way, learns it.
 */
class PhaseSpaceTrainingTest {
    private static final Psld PSLD = Psld.criticallyDamped(0.02, 8);
    private static final Preconditioning EPSILON = new Preconditioning("vp", "epsilon", 1, false, "time");
    private static final Preconditioning MIXED = new Preconditioning("vp", "edm", 0.6, false, "time");
    private static final double POINT = 0.7;

    @Test
    void corruptionIsTheConditionalGaussian() {
        try (NDManager m = Backend.newManager()) {
            double[] t = {0.001, 0.05, 0.3, 1};
            NDArray x0 = m.create(new double[] {0.3, -1, 0.9, 0.1}, new Shape(4, 1));
            NDArray noise = m.create(new double[] {0.5, 1.5, -0.2, 0.8, -1.1, 0.4, 2.0, -0.7}, new Shape(4, 2));
            double[] z = new PhaseSpaceObjective(PSLD, EPSILON).corrupt(x0, t, noise).toDoubleArray();
            double[] x = x0.toDoubleArray();
            double[] e = noise.toDoubleArray();
            for (int i = 0; i < t.length; i++) {
                double[] mean = PSLD.transition(t[i]).apply(x[i], 0);
                double[] spread = PSLD.conditionalCovariance(t[i]).cholesky().apply(e[2 * i], e[2 * i + 1]);
                assertEquals(mean[0] + spread[0], z[2 * i], 1e-12, "x at t " + t[i]);
                assertEquals(mean[1] + spread[1], z[2 * i + 1], 1e-12, "m at t " + t[i]);
            }
        }
    }

    @Test
    void theExactNetworkHasZeroLossAndTheExactScore() {
        try (NDManager m = Backend.newManager()) {
            Network oracle = new PointOracle();
            int n = 64;
            SplittableRandom random = new SplittableRandom(2);
            double[] t = new double[n];
            double[] noise = new double[2 * n];
            for (int i = 0; i < n; i++) {
                t[i] = 0.001 + 0.999 * random.nextDouble();
                noise[2 * i] = random.nextGaussian();
                noise[2 * i + 1] = random.nextGaussian();
            }
            NDArray x0 = m.create(new double[n], new Shape(n, 1)).add(POINT);
            NDArray eps = m.create(noise, new Shape(n, 2));
            PhaseSpaceObjective objective = new PhaseSpaceObjective(PSLD, EPSILON);
            assertEquals(0, objective.loss(oracle, x0, null, t, eps, false).getDouble(), 1e-20);
            double zeroNetwork = objective.loss(new PointOracle(0), x0, null, t, eps, false).getDouble();
            double meanSquare = 0;
            for (double e : noise) {
                meanSquare += e * e / noise.length;
            }
            assertEquals(meanSquare, zeroNetwork, 1e-12, "a network answering 0 pays the mean of ε²");

            PhaseSpaceModel model = new PhaseSpaceModel(PSLD, oracle, EPSILON);
            for (double time : new double[] {0.001, 0.1, 0.7}) {
                NDArray z = m.create(new double[] {0.2, -0.3, 1.4, 0.5}, new Shape(2, 2));
                double[] got = model.score(null).score(z, time).toDoubleArray();
                Matrix2 precision = PSLD.conditionalCovariance(time).inverse();
                double[] mean = PSLD.transition(time).apply(POINT, 0);
                double[] zs = z.toDoubleArray();
                for (int i = 0; i < 2; i++) {
                    double[] want = precision.apply(zs[2 * i] - mean[0], zs[2 * i + 1] - mean[1]);
                    assertEquals(-want[0], got[2 * i], 1e-7 * Math.abs(want[0]) + 1e-9, "s_x at t " + time);
                    assertEquals(-want[1], got[2 * i + 1], 1e-7 * Math.abs(want[1]) + 1e-9, "s_m at t " + time);
                }
            }
        }
    }

    @Test
    void theMixedScoreOfAZeroNetworkIsTheScoreOfGaussianData() {
        try (NDManager m = Backend.newManager()) {
            PhaseSpaceModel model = new PhaseSpaceModel(PSLD, new PointOracle(0), MIXED);
            for (double time : new double[] {0.001, 0.1, 0.7, 1}) {
                NDArray z = m.create(new double[] {0.2, -0.3, 1.4, 0.5}, new Shape(2, 2));
                double[] got = model.score(null).score(z, time).toDoubleArray();
                Matrix2 precision = PSLD.covariance(0, time, Matrix2.diagonal(0.36, PSLD.initialVelocityVariance()))
                        .inverse();
                double[] zs = z.toDoubleArray();
                for (int i = 0; i < 2; i++) {
                    double[] want = precision.apply(zs[2 * i], zs[2 * i + 1]);
                    assertEquals(-want[0], got[2 * i], 1e-9 * Math.abs(want[0]) + 1e-12, "s_x at t " + time);
                    assertEquals(-want[1], got[2 * i + 1], 1e-9 * Math.abs(want[1]) + 1e-12, "s_m at t " + time);
                }
            }
        }
    }

    @Test
    void otherConventionsAreRefusedByName() {
        InvalidArgumentException scaled = assertThrows(InvalidArgumentException.class,
                () -> new PhaseSpaceObjective(PSLD, Preconditioning.edm("edm", 0.5)));
        assertTrue(scaled.getMessage().contains("scale_input true"), scaled.getMessage());
        InvalidArgumentException velocity = assertThrows(InvalidArgumentException.class,
                () -> new PhaseSpaceObjective(PSLD, new Preconditioning("vp", "velocity", 1, false, "time")));
        assertTrue(velocity.getMessage().contains("prediction velocity"), velocity.getMessage());
    }

    @Test
    void underTheMixedScoreAZeroNetworkSamplesGaussianData() {
        PhaseSpaceModel model = new PhaseSpaceModel(PSLD, new PointOracle(0), MIXED);
        long[] seeds = new long[4000];
        for (int i = 0; i < seeds.length; i++) {
            seeds[i] = i;
        }
        try (NDManager m = Backend.newManager()) {
            for (String sampler : new String[] {"rvv", "sscs"}) {
                double[] x = model.generate(PhaseSamplers.create(sampler), 50, seeds, null, new Shape(1), m,
                        StepCallback.NONE).samples()
                        .toType(DataType.FLOAT64, false).toDoubleArray();
                double mean = 0;
                double square = 0;
                for (double v : x) {
                    mean += v / x.length;
                    square += v * v / x.length;
                }
                assertEquals(0, mean, 0.03, sampler + " mean");
                assertEquals(0.36, square - mean * mean, 0.03, sampler + " variance, data N(0, 0.6²)");
            }
        }
    }

    @Test
    void theMixedResidualOfGaussianDataHasUnitScaleAlongOneDirection() {
        PhaseEpsilon mixed = new PhaseEpsilon(PSLD, MIXED);
        int n = 40_000;
        SplittableRandom random = new SplittableRandom(3);
        try (NDManager m = Backend.newManager()) {
            for (double time : new double[] {0.001, 0.05, 0.3, 0.9}) {
                double[] x = new double[n];
                double[] noise = new double[2 * n];
                double[] t = new double[n];
                for (int i = 0; i < n; i++) {
                    x[i] = 0.6 * random.nextGaussian();
                    noise[2 * i] = random.nextGaussian();
                    noise[2 * i + 1] = random.nextGaussian();
                    t[i] = time;
                }
                NDArray eps = m.create(noise, new Shape(n, 2));
                NDArray z = new PhaseSpaceObjective(PSLD, MIXED).corrupt(m.create(x, new Shape(n, 1)), t, eps);
                double[] r = eps.sub(mixed.epsilon(z.zerosLike(), z, t)).toDoubleArray();
                Matrix2 e = PSLD.transition(time);
                double[] w = PSLD.conditionalCovariance(time).cholesky().inverse().apply(e.a(), e.c());
                double norm = Math.hypot(w[0], w[1]);
                double along = 0;
                double across = 0;
                for (int i = 0; i < n; i++) {
                    double a = (r[2 * i] * w[0] + r[2 * i + 1] * w[1]) / norm / mixed.outScale(time);
                    along += a * a / n;
                    across = Math.max(across, Math.abs(r[2 * i] * w[1] - r[2 * i + 1] * w[0]) / norm);
                }
                assertEquals(1, along, 0.03, "the residual's variance along w over c_out² at t " + time);
                assertEquals(0, across, 1e-9, "no residual across w at t " + time);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"epsilon", "edm"})
    void psldOnTheEightGaussiansLearnsThem(String prediction, @TempDir Path dir) {
        Preconditioning preconditioning = prediction.equals("edm") ? MIXED : EPSILON;
        TrainingConfig toy = Presets.named("toy-2d");
        TrainingConfig config = new TrainingConfig("toy-psld", toy.data(), new NetworkConfig.Mlp(4, 128, 3, 32, 0),
                preconditioning, new TimeDistribution.Uniform(PhaseSpaceModel.END, 1),
                toy.optimization().withSteps(1000), new TrainingConfig.Sampling("rvv", 25, 0, 0, 0, 1000), null, PSLD);
        assertEquals(config, TrainingConfig.parse(config.toJson(), "round trip"));
        ImageSet data = TrainingData.load(config, dir, false, note -> { });
        RunDirectory run = new RunDirectory(dir.resolve("run"));
        Trainer.train(config, data, run, false, new Trainer.Listener() { });
        double[][] exact = MixtureSpec.bundled("eight-gaussians").sample(1000, new SplittableRandom(5));
        try (NDManager m = Backend.newManager()) {
            Network untrained = config.network().initialize(m, DataType.FLOAT32, 0);
            Network trained = config.network().load(run.readModel(m), m, DataType.FLOAT32, "model");
            PhaseSpaceModel before = new PhaseSpaceModel(PSLD, untrained, preconditioning);
            PhaseSpaceModel after = new PhaseSpaceModel(PSLD, trained, preconditioning);
            double untrainedRvv = SlicedWasserstein.distance(points(flat(before, "rvv", m)), exact, 64, 1);
            double[] first = flat(after, "rvv", m);
            double rvv = SlicedWasserstein.distance(points(first), exact, 64, 1);
            double sscs = SlicedWasserstein.distance(points(flat(after, "sscs", m)), exact, 64, 1);
            double bound = prediction.equals("edm") ? 0.3 : 0.6;
            assertTrue(rvv < bound && sscs < bound, "SWD after 1000 steps: rvv " + rvv + ", sscs " + sscs
                    + " (untrained " + untrainedRvv + ")");
            assertTrue(rvv < untrainedRvv / 3, "training helped: " + rvv + " vs " + untrainedRvv);
            assertArrayEquals(first, flat(after, "rvv", m), 0, "same seed, same samples");
        }
    }

    private static double[] flat(PhaseSpaceModel model, String sampler, NDManager m) {
        long[] seeds = new long[1000];
        for (int i = 0; i < seeds.length; i++) {
            seeds[i] = 7_000 + i;
        }
        return model.generate(PhaseSamplers.create(sampler), 25, seeds, null, new Shape(2), m, StepCallback.NONE)
                .samples().toType(DataType.FLOAT64, false).toDoubleArray();
    }

    private static double[][] points(double[] flat) {
        double[][] out = new double[flat.length / 2][2];
        for (int i = 0; i < out.length; i++) {
            out[i][0] = flat[2 * i];
            out[i][1] = flat[2 * i + 1];
        }
        return out;
    }

    /** ε_θ(z, t) = scale·L_t⁻¹(z − μ_t) for data that is the single point {@link #POINT}; t from the label 999·t. */
    private record PointOracle(double scale) implements Network {
        PointOracle() {
            this(1);
        }

        @Override
        public NDArray forward(NDArray x, NDArray noiseLabel, NDArray classLabels, boolean training) {
            double[] labels = noiseLabel.toType(DataType.FLOAT64, false).toDoubleArray();
            double[] z = x.toType(DataType.FLOAT64, false).toDoubleArray();
            double[] out = new double[z.length];
            for (int i = 0; i < labels.length; i++) {
                double t = labels[i] / 999;
                double[] mean = PSLD.transition(t).apply(POINT, 0);
                double[] e = PSLD.conditionalCovariance(t).cholesky().inverse().apply(z[2 * i] - mean[0],
                        z[2 * i + 1] - mean[1]);
                out[2 * i] = scale * e[0];
                out[2 * i + 1] = scale * e[1];
            }
            return x.getManager().create(out, x.getShape()).toType(x.getDataType(), false);
        }

        @Override
        public Weights weights() {
            throw new UnsupportedOperationException();
        }

        @Override
        public NetworkConfig config() {
            return new NetworkConfig.Mlp(2, 4, 0, 2, 0);
        }
    }
}
