package org.diffusion4j.phase;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.denoise.GaussianMixture;
import org.diffusion4j.denoise.MixtureSpec;
import org.diffusion4j.sample.GaussianNoise;
import org.junit.jupiter.api.Test;

/**
 * The stochastic integrators, started from the exact marginal at t = 1, reproduce the exact marginal at t = 0.01:
 * the mean and variance of x and of m within four standard errors of 20 000 samples plus a discretization allowance.
 */
class PsldStochasticTest {
    private static final Psld PSLD = Psld.criticallyDamped(0.02, 8);
    private static final GaussianMixture DATA = MixtureSpec.bundled("two-gaussians-1d");
    private static final double END = 0.01;
    private static final int N = 20_000;

    @Test
    void reverseSdeIntegratorsKeepTheMarginals() {
        double[] exact = exactMoments(END);
        double[] times = new double[401];
        for (int i = 0; i < times.length; i++) {
            times[i] = 1 - (1 - END) * i / (times.length - 1);
        }
        List<PhaseSampler> samplers = List.of(new PsldEulerMaruyama(), new PsldOba(1, true),
                new PsldOba(0.5, true), new PsldOba(1, false), new PsldSscs(), new PsldConjugateOba(1, 0.5));
        try (NDManager m = Backend.newManager()) {
            PsldMixtureScore score = new PsldMixtureScore(DATA, PSLD);
            NDArray start = m.create(score.sample(1, N, new SplittableRandom(3)), new Shape(N, 2));
            for (PhaseSampler sampler : samplers) {
                NDArray z = sampler.sample(PSLD, score, start, times,
                        GaussianNoise.consecutive(11, N));
                double[] got = moments(z.toDoubleArray());
                String report = String.format(Locale.ROOT, "%s: mean x %.4f (exact %.4f), var x %.4f (%.4f), "
                        + "mean m %.4f (%.4f), var m %.4f (%.4f)", sampler.name(), got[0], exact[0], got[1], exact[1],
                        got[2], exact[2], got[3], exact[3]);
                System.out.println(report);
                assertEquals(exact[0], got[0], 4 * Math.sqrt(exact[1] / N) + 0.02, report);
                assertEquals(exact[1], got[1], 4 * exact[1] * Math.sqrt(2.0 / N) + 0.04, report);
                assertEquals(exact[2], got[2], 4 * Math.sqrt(exact[3] / N) + 0.02, report);
                assertEquals(exact[3], got[3], 4 * exact[3] * Math.sqrt(2.0 / N) + 0.01, report);
            }
        }
    }

    /** Mean and variance of x and of m at t under the exact marginal. */
    private static double[] exactMoments(double t) {
        Matrix2 e = PSLD.transition(t);
        double[] sums = new double[4];
        for (int k = 0; k < DATA.components(); k++) {
            double w = DATA.weights()[k];
            double mu = DATA.means()[k][0];
            Matrix2 c = PSLD.covariance(0, t, Matrix2.diagonal(DATA.variances()[k][0],
                    PSLD.initialVelocityVariance()));
            sums[0] += w * e.a() * mu;
            sums[1] += w * (c.a() + e.a() * mu * e.a() * mu);
            sums[2] += w * e.c() * mu;
            sums[3] += w * (c.d() + e.c() * mu * e.c() * mu);
        }
        return new double[] {sums[0], sums[1] - sums[0] * sums[0], sums[2], sums[3] - sums[2] * sums[2]};
    }

    private static double[] moments(double[] z) {
        double[] s = new double[4];
        for (int i = 0; i < N; i++) {
            s[0] += z[2 * i];
            s[1] += z[2 * i] * z[2 * i];
            s[2] += z[2 * i + 1];
            s[3] += z[2 * i + 1] * z[2 * i + 1];
        }
        double mx = s[0] / N;
        double mm = s[2] / N;
        return new double[] {mx, s[1] / N - mx * mx, mm, s[3] / N - mm * mm};
    }
}
