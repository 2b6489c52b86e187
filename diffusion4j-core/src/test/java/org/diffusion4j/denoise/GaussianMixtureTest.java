package org.diffusion4j.denoise;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;
import org.diffusion4j.ShapeMismatchException;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.process.NoiseSchedule;
import org.diffusion4j.process.VeSchedule;
import org.diffusion4j.process.VpLinearSchedule;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class GaussianMixtureTest {
    private static NDManager manager;
    private static final GaussianMixture MIXTURE = MixtureSpec.bundled("eight-gaussians");

    @BeforeAll
    static void open() {
        manager = Backend.newManager();
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    /**
     * E[x_0 | x_t] against self-normalized importance sampling with the prior as proposal: draw x_0^j from the
     * mixture, weight by N(x_t; α x_0^j, σ²). The tolerance is four standard errors of the estimate.
     */
    @Test
    void posteriorMeanMatchesMonteCarlo() {
        NoiseSchedule vp = new VpLinearSchedule();
        double t = 0.35;
        double alpha = vp.alpha(t);
        double sigma = vp.sigma(t);
        double[][] queries = {{1.2, 0.4}, {-0.3, -0.9}, {0.0, 0.0}};
        double[][] draws = MIXTURE.sample(400_000, new SplittableRandom(7));
        try (NDManager m = manager.newSubManager()) {
            NDArray x = m.create(new double[] {1.2, 0.4, -0.3, -0.9, 0.0, 0.0}, new Shape(3, 2));
            double[] exact = new GaussianMixtureDenoiser(MIXTURE, vp).denoise(x, t).toDoubleArray();
            for (int q = 0; q < queries.length; q++) {
                double[] sumW = new double[1];
                double[] mean = new double[2];
                double[] meanSq = new double[2];
                double sumW2 = 0;
                double[] logw = new double[draws.length];
                double maxLog = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < draws.length; j++) {
                    double d0 = queries[q][0] - alpha * draws[j][0];
                    double d1 = queries[q][1] - alpha * draws[j][1];
                    logw[j] = -(d0 * d0 + d1 * d1) / (2 * sigma * sigma);
                    maxLog = Math.max(maxLog, logw[j]);
                }
                for (int j = 0; j < draws.length; j++) {
                    double w = Math.exp(logw[j] - maxLog);
                    sumW[0] += w;
                    sumW2 += w * w;
                    for (int k = 0; k < 2; k++) {
                        mean[k] += w * draws[j][k];
                        meanSq[k] += w * draws[j][k] * draws[j][k];
                    }
                }
                double effective = sumW[0] * sumW[0] / sumW2;
                for (int k = 0; k < 2; k++) {
                    double m1 = mean[k] / sumW[0];
                    double var = meanSq[k] / sumW[0] - m1 * m1;
                    double stderr = Math.sqrt(var / effective);
                    assertEquals(m1, exact[2 * q + k], 4 * stderr + 1e-9,
                            "query " + q + " coordinate " + k + " (effective samples " + (int) effective + ")");
                }
            }
        }
    }

    /** The score is the gradient of the log-density (central differences), at several noise levels. */
    @Test
    void scoreIsTheGradientOfTheLogDensity() {
        try (NDManager m = manager.newSubManager()) {
            double[] point = {0.7, -1.1};
            for (double sigma : new double[] {0.05, 0.5, 3.0}) {
                double alpha = 0.8;
                NDArray x = m.create(point, new Shape(1, 2));
                double[] score = MIXTURE.score(x, alpha, sigma).toDoubleArray();
                for (int k = 0; k < 2; k++) {
                    double h = 1e-5;
                    double[] plus = point.clone();
                    double[] minus = point.clone();
                    plus[k] += h;
                    minus[k] -= h;
                    double lp = MIXTURE.logDensity(m.create(plus, new Shape(1, 2)), alpha, sigma).getDouble(0);
                    double lm = MIXTURE.logDensity(m.create(minus, new Shape(1, 2)), alpha, sigma).getDouble(0);
                    assertEquals((lp - lm) / (2 * h), score[k], 1e-6 * Math.max(1, Math.abs(score[k])));
                }
            }
        }
    }

    /** Tweedie: E[x_0 | x] = (x + σ² ∇ log p(x))/α, tying the posterior mean to the score. */
    @Test
    void posteriorMeanSatisfiesTweedie() {
        try (NDManager m = manager.newSubManager()) {
            NDArray x = m.randomNormal(0, 2, new Shape(64, 2), ai.djl.ndarray.types.DataType.FLOAT64);
            double alpha = 0.6;
            double sigma = 0.9;
            NDArray tweedie = x.add(MIXTURE.score(x, alpha, sigma).mul(sigma * sigma)).div(alpha);
            assertTrue(tweedie.sub(MIXTURE.posteriorMean(x, alpha, sigma)).abs().max().getDouble() < 1e-12);
        }
    }

    /** The log-density integrates to one: a 2-D Riemann sum over a wide box. */
    @Test
    void densityIsNormalized() {
        try (NDManager m = manager.newSubManager()) {
            int n = 400;
            double lo = -6;
            double step = 12.0 / n;
            double[] grid = new double[n * n * 2];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    grid[2 * (i * n + j)] = lo + (i + 0.5) * step;
                    grid[2 * (i * n + j) + 1] = lo + (j + 0.5) * step;
                }
            }
            NDArray x = m.create(grid, new Shape((long) n * n, 2));
            double mass = MIXTURE.logDensity(x, 0.9, 0.3).exp().sum().getDouble() * step * step;
            assertEquals(1.0, mass, 1e-6);
        }
    }

    @Test
    void momentsMatchSamples() {
        double[][] draws = MIXTURE.sample(200_000, new SplittableRandom(3));
        double[] mean = MIXTURE.mean();
        double[][] cov = MIXTURE.covariance();
        for (int k = 0; k < 2; k++) {
            double sum = 0;
            for (double[] d : draws) {
                sum += d[k];
            }
            assertEquals(mean[k], sum / draws.length, 4 * Math.sqrt(cov[k][k] / draws.length));
        }
    }

    /** In the EDM view the exact denoiser does not depend on the process: a VP model seen through it is the VE one. */
    @Test
    void edmViewIsProcessIndependent() {
        try (NDManager m = manager.newSubManager()) {
            NDArray x = m.randomNormal(0, 3, new Shape(32, 2), ai.djl.ndarray.types.DataType.FLOAT64);
            Denoiser viaVp = new GaussianMixtureDenoiser(MIXTURE, new VpLinearSchedule()).edmView();
            Denoiser viaVe = new GaussianMixtureDenoiser(MIXTURE, new VeSchedule()).edmView();
            for (double sigma : new double[] {0.01, 0.7, 20}) {
                double diff = viaVp.denoise(x, sigma).sub(viaVe.denoise(x, sigma)).abs().max().getDouble();
                assertTrue(diff < 1e-10, "σ = " + sigma + ": " + diff);
            }
        }
    }

    @Test
    void wrongSampleSizeIsNamed() {
        try (NDManager m = manager.newSubManager()) {
            NDArray x = m.zeros(new Shape(4, 3));
            ShapeMismatchException e = assertThrows(ShapeMismatchException.class,
                    () -> MIXTURE.posteriorMean(x, 1, 1));
            assertTrue(e.getMessage().contains("dimension 2") && e.getMessage().contains("(4, 3)"), e.getMessage());
        }
    }
}
