package org.diffusion4j.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.denoise.Denoiser;
import org.diffusion4j.denoise.GaussianMixture;
import org.diffusion4j.denoise.GaussianMixtureDenoiser;
import org.diffusion4j.denoise.MixtureSpec;
import org.diffusion4j.ode.DormandPrince;
import org.diffusion4j.process.VeSchedule;
import org.diffusion4j.process.VpLinearSchedule;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The probability-flow likelihood of the exact mixture denoiser is the mixture's exact noised log-density: to the
 * solver's tolerance with the exact trace, and on average (within four standard errors) with Hutchinson's estimate.
 * The process the denoiser is seen through does not matter (VE and VP give the same EDM view).
 */
class LikelihoodTest {
    private static final double SIGMA_MIN = 0.01;
    private static final double SIGMA_MAX = 1e6;

    @ParameterizedTest
    @ValueSource(strings = {"eight-gaussians", "two-gaussians-1d"})
    void matchesTheExactDensity(String name) {
        GaussianMixture mixture = MixtureSpec.bundled(name);
        int n = 150;
        int d = mixture.dimension();
        double[][] draws = mixture.sample(n, new SplittableRandom(4));
        SplittableRandom noise = new SplittableRandom(5);
        double[] flat = new double[n * d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                flat[i * d + j] = draws[i][j] + SIGMA_MIN * noise.nextGaussian();
            }
        }
        DormandPrince solver = new DormandPrince(1e-8, 1e-8, DormandPrince.ErrorNorm.MAX, 100_000);
        try (NDManager manager = Backend.newManager()) {
            NDArray x = manager.create(flat, new Shape(n, d));
            double[] exact = mixture.logDensity(x, 1, SIGMA_MIN).toDoubleArray();
            Denoiser ve = new GaussianMixtureDenoiser(mixture, new VeSchedule()).edmView();
            Denoiser vp = new GaussianMixtureDenoiser(mixture, new VpLinearSchedule()).edmView();
            Likelihood.Result precise = Likelihood.logDensity(ve, x, SIGMA_MIN, SIGMA_MAX, solver,
                    Likelihood.Trace.EXACT, 0);
            Likelihood.Result throughVp = Likelihood.logDensity(vp, x, SIGMA_MIN, SIGMA_MAX, solver,
                    Likelihood.Trace.EXACT, 0);
            Likelihood.Result estimated = Likelihood.logDensity(ve, x, SIGMA_MIN, SIGMA_MAX, solver,
                    Likelihood.Trace.HUTCHINSON, 7);
            double sum = 0;
            double sumSq = 0;
            for (int i = 0; i < n; i++) {
                assertEquals(exact[i], precise.logDensity()[i], 2e-5, "exact trace, sample " + i);
                assertEquals(exact[i], throughVp.logDensity()[i], 2e-5, "through VP, sample " + i);
                double e = estimated.logDensity()[i] - exact[i];
                sum += e;
                sumSq += e * e;
            }
            double mean = sum / n;
            double stderr = Math.sqrt((sumSq / n - mean * mean) / n);
            assertEquals(0, mean, 4 * stderr + 2e-4, "Hutchinson bias (standard error " + stderr + ")");
            assertTrue(d == 1 || stderr > 1e-3, "Hutchinson in 2-D is noisy, so the test measures something");
            assertTrue(precise.evaluations() > 0 && estimated.evaluations() * d >= precise.evaluations() / 2);
        }
    }
}
