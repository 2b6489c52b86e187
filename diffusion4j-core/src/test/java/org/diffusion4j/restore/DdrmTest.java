package org.diffusion4j.restore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.denoise.Denoiser;
import org.diffusion4j.sample.GaussianNoise;
import org.junit.jupiter.api.Test;

/**
 * DDRM on linear-Gaussian problems with the prior's exact denoiser D(x; σ) = μ + Σ(Σ + σ²I)⁻¹(x − μ) on 4×4
 * images, against the exact posterior N(μ + K(y − Aμ), Σ − KAΣ), K = ΣAᵀ(AΣAᵀ + σ_y²I)⁻¹, and against DDRM's own
 * update stepped exactly where it is linear. With independent pixels the row and null spaces of A are independent
 * under the prior, so with η = 0 DDRM samples the posterior up to discretisation; with correlated pixels its
 * unconditional denoiser sees the noisy observed part and DDRM is an approximation, whose error is bounded here.
 */
class DdrmTest {
    private static final int N = 10_000;

    private static final double[] TRUTH = {0.1, -0.4, 0.3, 0.2, 0.5, 0.0, -0.2, 0.1, 0.2, 0.4, -0.1, 0.0, -0.3, 0.1,
        0.2, 0.3};

    /**
     * Independent pixels (variance 0.25), noiseless 2× super-resolution, η = 0 (the null space follows DDIM's ODE):
     * stepped exactly ({@link Recursion}), DDRM's mean and per-pixel variance converge to the exact posterior's as the
     * levels grow — within 0.005 (measured 0.0021) and 1% at 1000 Karras levels, while at 100 the variance is 6%
     * short (0.1770 of 0.1875; 10 000 samples measured 0.1747) — and samples at 100 levels are consistent with y to
     * 0.01 (RMS).
     */
    @Test
    void withoutNullSpaceNoiseIndependentPixelsConvergeToTheExactPosterior() {
        try (NDManager m = Backend.newManager()) {
            Problem p = new Problem(m, 0, RestorationTask.byName("sr:factor=2"));
            double[] exact = p.posteriorVariances();
            Recursion fine = Recursion.of(p, karras(1000), 0, 1);
            Recursion coarse = Recursion.of(p, karras(100), 0, 1);
            assertTrue(distance(fine.mean, p.posteriorMean()) < 0.005, "mean " + distance(fine.mean,
                    p.posteriorMean()));
            for (int i = 0; i < 16; i++) {
                assertEquals(exact[i], fine.variances[i], 0.01 * exact[i], "pixel " + i);
            }
            assertEquals(0.1770, coarse.variances[0], 0.001, "100 levels");
            NDArray x = new Ddrm(p.task, 0, 1).sample(p.exact(), p.observations(1000), new Shape(1000, 1, 4, 4),
                    karras(100), GaussianNoise.consecutive(0, 1000), m);
            NDArray r = p.task.measure(x).sub(p.observations(1000));
            assertTrue(Math.sqrt(r.mul(r).mean().getDouble()) < 0.01);
        }
    }

    /**
     * With the paper's η = 0.85 DDRM is not the exact posterior (each step keeps only √(1 − η²) of the noise it
     * estimates, so the null space loses variance: 0.137 instead of 0.1875 per pixel here), but on independent pixels
     * every update is linear in x with the same coefficients per space, so its sample mean and per-pixel variance
     * follow a recursion computed here from eqs. 7–8: the samples agree with it (mean within 0.03, variances within
     * 6%) for noiseless super-resolution and for denoising at σ_y = 0.5, whose steps below σ_y take the
     * less-noisy branch, at 20 levels (the paper's step count) and 100.
     */
    @Test
    void samplesFollowTheirOwnGaussianRecursion() {
        try (NDManager m = Backend.newManager()) {
            for (String spec : new String[] {"sr:factor=2", "denoise:noise=0.5"}) {
                for (int levels : new int[] {20, 100}) {
                    Problem p = new Problem(m, 0, RestorationTask.byName(spec));
                    double[] sigmas = karras(levels);
                    NDArray x = new Ddrm(p.task, Ddrm.ETA, Ddrm.ETA_B).sample(p.exact(), p.observations(N),
                            new Shape(N, 1, 4, 4), sigmas, GaussianNoise.consecutive(0, N), m);
                    Recursion r = Recursion.of(p, sigmas, Ddrm.ETA, Ddrm.ETA_B);
                    double error = distance(x.reshape(N, 16).mean(new int[] {0}), r.mean);
                    assertTrue(error < 0.03, spec + " at " + levels + " levels: mean error " + error);
                    double[] variance = variances(x);
                    for (int i = 0; i < 16; i++) {
                        assertEquals(r.variances[i], variance[i], 0.06 * r.variances[i], spec + " at " + levels
                                + " levels, pixel " + i);
                    }
                }
            }
        }
    }

    /**
     * Correlated pixels (DPS's test prior), noiseless 2× super-resolution, the paper's η: DDRM's mean within 0.05 of
     * the exact posterior mean (measured 0.025), which lies 0.72 from the prior's, and consistent with y to 0.01.
     */
    @Test
    void correlatedPixelsComeCloseToTheExactPosteriorMean() {
        try (NDManager m = Backend.newManager()) {
            Problem p = new Problem(m, 1, RestorationTask.byName("sr:factor=2"));
            NDArray x = new Ddrm(p.task, Ddrm.ETA, Ddrm.ETA_B).sample(p.exact(), p.observations(N), new Shape(N, 1, 4,
                    4), karras(100), GaussianNoise.consecutive(0, N), m);
            double error = distance(x.reshape(N, 16).mean(new int[] {0}), p.posteriorMean());
            assertTrue(distance(p.mean, p.posteriorMean()) > 0.7);
            assertTrue(error < 0.05, "mean error " + error);
            assertTrue(consistency(p.task, x, p.observations(N)) < 0.01);
        }
    }

    /**
     * DDRM's mean and per-pixel variance on independent pixels (prior variance v), stepped exactly: per space, x̂₀ =
     * μ + k(x − μ) with k = v/(v + σ²), and each branch of eqs. 7–8 maps the mean and the (shared) variance of its
     * components linearly.
     */
    private record Recursion(NDArray mean, double[] variances) {
        static Recursion of(Problem p, double[] sigmas, double eta, double etaB) {
            RestorationTask task = p.task;
            double v = 0.25;
            double s = task.uniformSingularValue();
            double obs = task.noise() / s;
            double a = Math.sqrt(1 - eta * eta);
            NDArray mu = p.mean.reshape(1, 1, 4, 4);
            NDArray yBar = task.prior(p.y);
            double top = sigmas[0];
            NDArray m = top > obs ? yBar : mu.zerosLike();
            double row = top > obs ? top * top - obs * obs : top * top;
            double free = top * top;
            for (int i = 0; i + 1 < sigmas.length; i++) {
                double sigma = sigmas[i];
                double next = sigmas[i + 1];
                double k = v / (v + sigma * sigma);
                double f = k + a * next * (1 - k) / sigma;
                NDArray denoised = mu.add(m.sub(mu).mul(k));
                NDArray kept = mu.add(m.sub(mu).mul(f));
                NDArray rowMean;
                if (next > obs) {
                    rowMean = yBar.mul(etaB).add(denoised.mul(1 - etaB));
                    row = (1 - etaB) * (1 - etaB) * k * k * row + next * next - etaB * etaB * obs * obs;
                } else if (next < obs) {
                    double g = a * next / obs;
                    rowMean = denoised.mul(1 - g).add(yBar.mul(g));
                    row = (1 - g) * (1 - g) * k * k * row + eta * eta * next * next;
                } else {
                    rowMean = kept;
                    row = f * f * row + eta * eta * next * next;
                }
                free = f * f * free + eta * eta * next * next;
                NDArray projected = task.prior(task.measure(rowMean));
                m = projected.add(kept.sub(task.prior(task.measure(kept))));
            }
            double rowWeight = s * s; // a pixel's share of its row-space component: 1/f² for super-resolution, 1 else
            double[] variances = new double[16];
            java.util.Arrays.fill(variances, rowWeight * row + (1 - rowWeight) * free);
            return new Recursion(m.reshape(16), variances);
        }
    }

    @Test
    void refusesAnOperatorWithoutAUniformSingularValue() {
        InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> new Ddrm(
                RestorationTask.byName("deblur"), Ddrm.ETA, Ddrm.ETA_B));
        assertTrue(e.getMessage().contains("deblur:width=2.0,noise=0.02 is not one"), e.getMessage());
        assertThrows(InvalidArgumentException.class, () -> new Ddrm(RestorationTask.byName("sr4"), 1.5, 1));
    }

    /** A Gaussian prior on 4×4 images (independent pixels, or correlated as in DPS's test) and one observation. */
    private static final class Problem {
        final NDManager m;
        final RestorationTask task;
        final NDArray mean;
        final NDArray cov;
        final NDArray y;

        Problem(NDManager m, int correlated, RestorationTask task) {
            this.m = m;
            this.task = task;
            double[] mu = new double[16];
            double[] sigma = new double[256];
            for (int p = 0; p < 16; p++) {
                mu[p] = -0.3 + 0.6 * p / 15;
                for (int q = 0; q < 16; q++) {
                    double d = Math.hypot(p / 4 - q / 4, p % 4 - q % 4);
                    sigma[p * 16 + q] = correlated == 1 ? 0.25 * Math.exp(-d / 2) + (p == q ? 0.01 : 0)
                            : p == q ? 0.25 : 0;
                }
            }
            mean = m.create(mu);
            cov = m.create(sigma, new Shape(16, 16));
            NDArray truth = m.create(TRUTH, new Shape(1, 1, 4, 4));
            y = task.observe(truth, m.create(new double[] {0.3, -1.1, 0.8, 0.5, -0.2, 1.4, 0.0, -0.7, 0.6, -0.4, 1.0,
                0.2, -1.3, 0.9, 0.1, -0.5}, new Shape(1, 1, 4, 4)));
        }

        NDArray observations(int n) {
            return y.repeat(0, n);
        }

        Denoiser exact() {
            return (x, s) -> {
                NDArray k = cov.matMul(cov.add(m.eye(16).toType(DataType.FLOAT64, false).mul(s * s)).inverse());
                return x.reshape(-1, 16).sub(mean).matMul(k.transpose()).add(mean).reshape(x.getShape());
            };
        }

        private NDArray a() {
            NDArray units = m.eye(16).toType(DataType.FLOAT64, false).reshape(16, 1, 4, 4);
            long rows = task.measure(units.get("0:1")).size();
            return task.measure(units).reshape(16, rows).transpose();
        }

        private NDArray gain() {
            NDArray a = a();
            long rows = a.getShape().get(0);
            return cov.matMul(a.transpose()).matMul(a.matMul(cov).matMul(a.transpose()).add(m.eye((int) rows)
                    .toType(DataType.FLOAT64, false).mul(task.noise() * task.noise())).inverse());
        }

        NDArray posteriorMean() {
            return mean.add(gain().matMul(y.reshape(-1).sub(a().matMul(mean))));
        }

        double[] posteriorVariances() {
            NDArray post = cov.sub(gain().matMul(a()).matMul(cov));
            double[] out = new double[16];
            for (int i = 0; i < 16; i++) {
                out[i] = post.getDouble(i, i);
            }
            return out;
        }
    }

    private static double[] variances(NDArray x) {
        NDArray flat = x.reshape(N, 16);
        NDArray d = flat.sub(flat.mean(new int[] {0}));
        return d.mul(d).sum(new int[] {0}).div(N - 1).toDoubleArray();
    }

    private static double consistency(RestorationTask task, NDArray x, NDArray y) {
        NDArray r = task.measure(x).sub(y).reshape(N, -1);
        return Math.sqrt(r.mul(r).mean().getDouble());
    }

    private static double distance(NDArray a, NDArray b) {
        return DiffusionPosteriorSamplingTest.distance(a, b);
    }

    private static double[] karras(int n) {
        return DiffusionPosteriorSamplingTest.karras(n);
    }
}
