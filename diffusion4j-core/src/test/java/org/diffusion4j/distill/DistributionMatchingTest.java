package org.diffusion4j.distill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.SplittableRandom;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.denoise.GaussianMixture;
import org.diffusion4j.denoise.GaussianMixtureDenoiser;
import org.diffusion4j.denoise.MixtureSpec;
import org.diffusion4j.process.VeSchedule;
import org.junit.jupiter.api.Test;

/** DMD2's losses against closed forms: the matching gradient on Gaussians, its loss, the GAN losses, the tables. */
class DistributionMatchingTest {

    private static NDArray normal(NDManager m, SplittableRandom random, int n, int d) {
        double[] v = new double[n * d];
        for (int i = 0; i < v.length; i++) {
            v[i] = random.nextGaussian();
        }
        return m.create(v, new Shape(n, d));
    }

    @Test
    void theGradientIsExactlyZeroWhenTheFakeScoreEqualsTheRealScore() {
        try (NDManager m = Backend.newManager()) {
            SplittableRandom random = new SplittableRandom(1);
            NDArray x = normal(m, random, 64, 3);
            NDArray real = normal(m, random, 64, 3);
            NDArray gradient = DistributionMatching.gradient(x, real, real.duplicate());
            for (double g : gradient.toDoubleArray()) {
                assertEquals(0.0, g, 0.0);
            }
            assertEquals(0.0, DistributionMatching.loss(x, gradient).getDouble(), 0.0);
        }
    }

    /**
     * Real N(0, 1) and fake N(1.5, 0.5²) per coordinate, samples of 64 coordinates, exact denoisers at σ = 0.8: the
     * gradient is (D_fake − D_real)/mean|x − D_real| per sample, −gradient is a positive multiple
     * (σ²/mean|x − D_real|) of s_real − s_fake at the noised point, and a small step along it moves the fake samples
     * towards the real law.
     */
    @Test
    void theGradientPointsFromTheFakeTowardsTheRealGaussian() {
        double sigma = 0.8;
        double realMean = 0;
        double realSd = 1;
        double fakeMean = 1.5;
        double fakeSd = 0.5;
        int n = 2000;
        int d = 64;
        SplittableRandom random = new SplittableRandom(7);
        double[] x = new double[n * d];
        double[] noisy = new double[n * d];
        double[] dReal = new double[n * d];
        double[] dFake = new double[n * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = fakeMean + fakeSd * random.nextGaussian();
            noisy[i] = x[i] + sigma * random.nextGaussian();
            dReal[i] = denoised(noisy[i], realMean, realSd, sigma);
            dFake[i] = denoised(noisy[i], fakeMean, fakeSd, sigma);
        }
        try (NDManager m = Backend.newManager()) {
            Shape shape = new Shape(n, d);
            double[] g = DistributionMatching.gradient(m.create(x, shape), m.create(dReal, shape),
                    m.create(dFake, shape)).toDoubleArray();
            double[] moved = new double[x.length];
            for (int s = 0; s < n; s++) {
                double weight = 0;
                for (int k = 0; k < d; k++) {
                    weight += Math.abs(x[s * d + k] - dReal[s * d + k]) / d;
                }
                for (int k = s * d; k < (s + 1) * d; k++) {
                    assertEquals((dFake[k] - dReal[k]) / weight, g[k], 1e-12 * Math.max(1, Math.abs(g[k])));
                    double scoreDifference = score(noisy[k], realMean, realSd, sigma)
                            - score(noisy[k], fakeMean, fakeSd, sigma);
                    assertEquals(sigma * sigma / weight * scoreDifference, -g[k], 1e-9 * Math.max(1, Math.abs(g[k])));
                    moved[k] = x[k] - 0.05 * g[k];
                }
            }
            double before = klToReal(x, realMean, realSd);
            double after = klToReal(moved, realMean, realSd);
            assertTrue(after < before - 0.01, "KL(fake ‖ real) of the fitted Gaussians " + before + " → " + after);
            assertTrue(mean(moved) < mean(x), "the mean moves towards the real mean 0");
        }
    }

    private static double denoised(double y, double mean, double sd, double sigma) {
        return mean + sd * sd / (sd * sd + sigma * sigma) * (y - mean);
    }

    private static double score(double y, double mean, double sd, double sigma) {
        return -(y - mean) / (sd * sd + sigma * sigma);
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    /** KL(N(m, s²) ‖ N(μ, σ²)) with m, s fitted to the samples. */
    private static double klToReal(double[] v, double mu, double sd) {
        double m = mean(v);
        double var = 0;
        for (double x : v) {
            var += (x - m) * (x - m);
        }
        var /= v.length - 1;
        return Math.log(sd / Math.sqrt(var)) + (var + (m - mu) * (m - mu)) / (2 * sd * sd) - 0.5;
    }

    @Test
    void theLossBackPropagatesTheGradientOverTheNumberOfElements() {
        try (NDManager m = Backend.newManager()) {
            SplittableRandom random = new SplittableRandom(3);
            NDArray x = normal(m, random, 8, 5);
            NDArray gradient = normal(m, random, 8, 5);
            x.setRequiresGradient(true);
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray loss = DistributionMatching.loss(x, gradient);
                double[] g = gradient.toDoubleArray();
                double half = 0;
                for (double v : g) {
                    half += v * v;
                }
                assertEquals(0.5 * half / g.length, loss.getDouble(), 1e-12);
                collector.backward(loss);
            }
            double[] expected = gradient.toDoubleArray();
            double[] got = x.getGradient().toDoubleArray();
            for (int i = 0; i < got.length; i++) {
                assertEquals(expected[i] / 40, got[i], 1e-12);
            }
        }
    }

    /** On image batches the normaliser is the mean over each sample's channels and pixels. */
    @Test
    void imageSamplesAreNormalisedPerSample() {
        try (NDManager m = Backend.newManager()) {
            SplittableRandom random = new SplittableRandom(2);
            Shape shape = new Shape(3, 2, 4, 4);
            NDArray x = normal(m, random, 3, 32).reshape(shape);
            NDArray real = normal(m, random, 3, 32).reshape(shape);
            NDArray fake = normal(m, random, 3, 32).reshape(shape);
            double[] g = DistributionMatching.gradient(x, real, fake).toDoubleArray();
            double[] a = x.toDoubleArray();
            double[] r = real.toDoubleArray();
            double[] f = fake.toDoubleArray();
            for (int s = 0; s < 3; s++) {
                double weight = 0;
                for (int k = s * 32; k < (s + 1) * 32; k++) {
                    weight += Math.abs(a[k] - r[k]) / 32;
                }
                for (int k = s * 32; k < (s + 1) * 32; k++) {
                    assertEquals((f[k] - r[k]) / weight, g[k], 1e-12);
                }
            }
        }
    }

    @Test
    void nonFiniteGradientsBecomeZeroOrTheLargestFloat() {
        try (NDManager m = Backend.newManager()) {
            NDArray x = m.create(new float[] {1, 1, 2, 2}, new Shape(2, 2));
            // sample 0 sits on the real estimate (0/0 and 1/0); sample 1 is ordinary
            NDArray real = m.create(new float[] {1, 1, 0, 0}, new Shape(2, 2));
            NDArray fake = m.create(new float[] {1, 2, 1, 0}, new Shape(2, 2));
            float[] g = DistributionMatching.gradient(x, real, fake).toFloatArray();
            assertEquals(0f, g[0], 0f);
            assertEquals(Float.MAX_VALUE, g[1], 0f);
            assertEquals(0.5f, g[2], 1e-7f);
            assertEquals(0f, g[3], 0f);
        }
    }

    @Test
    void theGanLossesAreTheNonSaturatingSoftplusForms() {
        double[] logits = {-40, -3, -0.5, 0, 0.5, 3, 40};
        try (NDManager m = Backend.newManager()) {
            NDArray l = m.create(logits);
            double[] softplus = DistributionMatching.softplus(l).toDoubleArray();
            double generator = 0;
            double fakePart = 0;
            double realPart = 0;
            for (int i = 0; i < logits.length; i++) {
                double expected = Math.log1p(Math.exp(logits[i]));
                assertEquals(expected, softplus[i], 1e-12 * Math.max(1, expected));
                generator += Math.log1p(Math.exp(-logits[i]));
                fakePart += Math.log1p(Math.exp(logits[i]));
                realPart += Math.log1p(Math.exp(-logits[i]));
            }
            int n = logits.length;
            assertEquals(generator / n, DistributionMatching.generatorGan(l).getDouble(), 1e-12);
            assertEquals(fakePart / n + realPart / n, DistributionMatching.criticGan(l, l).getDouble(), 1e-12);
            // at chance (logit 0) the discriminator's loss is 2 ln 2
            NDArray zero = m.zeros(new Shape(4), DataType.FLOAT64);
            assertEquals(2 * Math.log(2), DistributionMatching.criticGan(zero, zero).getDouble(), 1e-15);
        }
    }

    @Test
    void theFakeScoreLossHasEdmWeighting() {
        try (NDManager m = Backend.newManager()) {
            NDArray x = m.create(new double[] {0, 0, 1, 1}, new Shape(2, 2));
            NDArray estimate = m.create(new double[] {1, 0, 1, 3}, new Shape(2, 2));
            double[] sigma = {0.5, 2};
            double sd = 0.5;
            double expected = ((1 / 0.25 + 1 / (sd * sd)) * 1 + (1 / 4.0 + 1 / (sd * sd)) * 4) / 4;
            assertEquals(expected, DistributionMatching.denoisingLoss(estimate, x, sigma, sd).getDouble(), 1e-12);
        }
    }

    /** The authors' table (float32 values from their get_sigmas_karras, flipped to ascending). */
    @Test
    void theLevelTableIsTheAuthorsKarrasTable() {
        double[] table = DistributionMatching.levelTable(1000, 0.002, 80, 7);
        assertEquals(0.002, table[0], 1e-12);
        assertEquals(80, table[999], 1e-9);
        assertEquals(0.003232, table[20], 5e-7);
        assertEquals(0.16808, table[249], 5e-5);
        assertEquals(2.50397, table[499], 5e-5);
        assertEquals(17.4981, table[749], 5e-4);
        assertEquals(72.0539, table[980], 5e-4);
        for (int i = 1; i < table.length; i++) {
            assertTrue(table[i] > table[i - 1]);
        }
    }

    /** The per-sample exact teacher equals the mixture's posterior mean at each level (float64). */
    @Test
    void theMixtureTeacherDenoisesEachSampleAtItsOwnLevel() {
        GaussianMixture mixture = MixtureSpec.bundled("eight-gaussians");
        double[] sigma = {0.01, 0.3, 1, 5, 80};
        try (NDManager m = Backend.newManager()) {
            NDArray x = normal(m, new SplittableRandom(5), sigma.length, 2).mul(2);
            double[] got = Teacher.mixture(mixture).denoise(x, sigma, null).toDoubleArray();
            for (int i = 0; i < sigma.length; i++) {
                NDArray row = x.get(i).reshape(1, 2);
                double[] expected = new GaussianMixtureDenoiser(mixture, new VeSchedule()).edmView()
                        .denoise(row, sigma[i]).toDoubleArray();
                assertEquals(expected[0], got[2 * i], 1e-12);
                assertEquals(expected[1], got[2 * i + 1], 1e-12);
            }
        }
    }
}
