package org.diffusion4j.restore;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.backend.Scalars;
import org.diffusion4j.denoise.Denoiser;
import org.diffusion4j.sample.GaussianNoise;
import org.junit.jupiter.api.Test;

/**
 * DPS on a linear-Gaussian problem, where the posterior is exact: a Gaussian prior N(μ, Σ) on 4×4 images (Σ decays
 * with pixel distance), 2× super-resolution with σ_y = 0.05, the prior's exact denoiser
 * D(x; σ) = μ + Σ(Σ + σ²I)⁻¹(x − μ) and the exact posterior mean μ + ΣAᵀ(AΣAᵀ + σ_y²I)⁻¹(y − Aμ).
 */
class DiffusionPosteriorSamplingTest {
    private static final int N = 10_000;

    /**
     * With ζ = 0.5 and 100 Karras levels, the mean of 10 000 DPS samples is within 0.05 (Euclidean, over the 16
     * pixels) of the exact posterior mean, which lies 0.73 from the prior's (measured: 0.024, where the Monte Carlo
     * error of a mean of 10 000 samples is about 0.012), and the samples are consistent with y (mean ‖Ax − y‖ below
     * 0.1; measured 0.062); ζ = 0 (the unconditional prior) misses by more than 0.2 (0.73) and is inconsistent
     * (0.79).
     */
    @Test
    void dpsWithTheExactPriorFindsTheExactPosteriorMean() {
        try (NDManager m = Backend.newManager()) {
            double[][] sigma = new double[16][16];
            double[] mu = new double[16];
            for (int p = 0; p < 16; p++) {
                mu[p] = -0.3 + 0.6 * p / 15;
                for (int q = 0; q < 16; q++) {
                    double d = Math.hypot(p / 4 - q / 4, p % 4 - q % 4);
                    sigma[p][q] = 0.25 * Math.exp(-d / 2) + (p == q ? 0.01 : 0);
                }
            }
            NDArray cov = matrix(m, sigma);
            NDArray mean = m.create(mu).toType(DataType.FLOAT64, false);
            RestorationTask task = new RestorationTask.SuperResolution(2, 0.05);
            NDArray truth = m.create(new double[] {0.1, -0.4, 0.3, 0.2, 0.5, 0.0, -0.2, 0.1, 0.2, 0.4, -0.1, 0.0, -0.3,
                0.1, 0.2, 0.3}, new Shape(1, 1, 4, 4));
            NDArray y = task.observe(truth, m.create(new double[] {0.3, -1.1, 0.8, 0.5, -0.2, 1.4, 0.0, -0.7, 0.6,
                -0.4, 1.0, 0.2, -1.3, 0.9, 0.1, -0.5}, new Shape(1, 1, 4, 4)));
            NDArray a = operator(m, task);
            NDArray gain = cov.matMul(a.transpose()).matMul(a.matMul(cov).matMul(a.transpose()).add(identity(m, 4)
                    .mul(0.05 * 0.05)).inverse());
            NDArray posterior = mean.add(gain.matMul(y.reshape(4).sub(a.matMul(mean))));
            double priorDistance = distance(mean, posterior);
            Denoiser exact = (x, s) -> {
                NDArray k = cov.matMul(cov.add(identity(m, 16).mul(s * s)).inverse());
                return x.reshape(-1, 16).sub(mean).matMul(k.transpose()).add(mean).reshape(x.getShape());
            };
            NDArray observations = y.repeat(0, N);
            double[] sigmas = karras(100);
            NDArray guided = new DiffusionPosteriorSampling(task, 0.5).sample(exact, observations, new Shape(N, 1, 4,
                    4), sigmas, GaussianNoise.consecutive(0, N), m);
            NDArray unguided = new DiffusionPosteriorSampling(task, 0).sample(exact, observations, new Shape(N, 1, 4,
                    4), sigmas, GaussianNoise.consecutive(0, N), m);
            double error = distance(guided.reshape(N, 16).mean(new int[] {0}), posterior);
            double prior = distance(unguided.reshape(N, 16).mean(new int[] {0}), posterior);
            assertTrue(priorDistance > 0.2, "the posterior is far from the prior: " + priorDistance);
            assertTrue(error < 0.05, "DPS's mean is off the exact posterior mean by " + error);
            assertTrue(prior > 0.2, "without guidance the mean stays at the prior's: " + prior);
            double consistent = residual(task, guided, observations);
            assertTrue(consistent < 0.1, "DPS samples fit y: mean ‖Ax − y‖ = " + consistent);
            assertTrue(residual(task, unguided, observations) > 0.5, "prior samples do not");
        }
    }

    /**
     * Inside another gradient recording (a PGD attack on y through DPS) DPS refuses by name, saying why, instead of
     * DJL's "already collecting"; the outer recording still works after it.
     */
    @Test
    void dpsRefusesToRunInsideAnotherGradientRecording() {
        try (NDManager m = Backend.newManager()) {
            RestorationTask task = new RestorationTask.SuperResolution(2, 0);
            NDArray y = m.zeros(new Shape(1, 1, 2, 2));
            Denoiser shrink = (x, s) -> Scalars.times(x, 1 / (1 + s * s));
            try (GradientCollector outer = Engine.getInstance().newGradientCollector()) {
                InvalidArgumentException e = assertThrows(InvalidArgumentException.class,
                        () -> new DiffusionPosteriorSampling(task, 1).sample(shrink, y, new Shape(1, 1, 4, 4),
                                karras(3), GaussianNoise.consecutive(0, 1), m));
                assertTrue(e.getMessage().startsWith("DPS takes a gradient through the denoiser at every step, so "
                        + "it cannot run while another gradient is recorded"), e.getMessage());
                NDArray v = m.create(new float[] {3f});
                v.setRequiresGradient(true);
                outer.backward(v.mul(v));
                assertTrue(Math.abs(v.getGradient().getFloat() - 6f) < 1e-6, "the outer recording still works");
            }
            NDArray alone = new DiffusionPosteriorSampling(task, 1).sample(shrink, y, new Shape(1, 1, 4, 4), karras(3),
                    GaussianNoise.consecutive(0, 1), m);
            assertTrue(alone.isInfinite().logicalOr(alone.isNaN()).none().getBoolean(), "and DPS alone runs");
        }
    }

    private static double residual(RestorationTask task, NDArray x, NDArray y) {
        NDArray r = task.measure(x).sub(y).reshape(N, -1);
        return r.mul(r).sum(new int[] {1}).sqrt().mean().getDouble();
    }

    /** A as a 4×16 matrix, column j the image of the j-th unit image. */
    private static NDArray operator(NDManager m, RestorationTask task) {
        NDArray units = identity(m, 16).reshape(16, 1, 4, 4);
        return task.measure(units).reshape(16, 4).transpose();
    }

    private static NDArray identity(NDManager m, int n) {
        return m.eye(n).toType(DataType.FLOAT64, false);
    }

    private static NDArray matrix(NDManager m, double[][] rows) {
        double[] flat = new double[rows.length * rows.length];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, flat, i * rows.length, rows.length);
        }
        return m.create(flat, new Shape(rows.length, rows.length));
    }

    static double distance(NDArray a, NDArray b) {
        NDArray d = a.reshape(-1).sub(b.reshape(-1));
        return Math.sqrt(d.mul(d).sum().getDouble());
    }

    /** Karras et al.'s levels from 80 to 0.002 (ρ = 7), then 0. */
    static double[] karras(int n) {
        double[] s = new double[n + 1];
        double hi = Math.pow(80, 1 / 7.0);
        double lo = Math.pow(0.002, 1 / 7.0);
        for (int i = 0; i < n; i++) {
            s[i] = Math.pow(hi + i / (n - 1.0) * (lo - hi), 7);
        }
        return s;
    }
}
