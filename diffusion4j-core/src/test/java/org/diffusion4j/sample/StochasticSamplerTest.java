package org.diffusion4j.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.denoise.Denoiser;
import org.diffusion4j.denoise.GaussianMixture;
import org.diffusion4j.denoise.GaussianMixtureDenoiser;
import org.diffusion4j.denoise.MixtureSpec;
import org.diffusion4j.grid.Grid;
import org.diffusion4j.grid.GridSpec;
import org.diffusion4j.process.NoiseSchedule;
import org.diffusion4j.process.Schedules;
import org.diffusion4j.process.VeSchedule;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Stochastic samplers, driven by the exact denoiser of the eight-component mixture, reproduce its exact mean,
 * covariance and expected negative log-likelihood (its entropy) within four standard errors of 6000 samples.
 * The step counts keep each method's discretization bias well below that: the first-order ancestral and churned
 * Euler steps need a few hundred steps (at 80 their variance is still 4% low, shrinking as 1/N), the second-order
 * ones 40–80. A noise scale off by 10% fails.
 */
class StochasticSamplerTest {
    private static final GaussianMixture MIXTURE = MixtureSpec.bundled("eight-gaussians");
    private static final int SAMPLES = 6000;
    private static NDManager manager;
    private static double entropy;

    @BeforeAll
    static void exactEntropy() {
        manager = Backend.newManager();
        double[][] draws = MIXTURE.sample(400_000, new SplittableRandom(11));
        entropy = -MIXTURE.logDensity(matrix(manager, draws), 1, 0).mean().getDouble();
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    static Stream<Arguments> samplers() {
        return Stream.of(
                Arguments.of("euler-ancestral", 500), Arguments.of("ddpm", 500),
                Arguments.of("ddpm:variance=large", 500), Arguments.of("accel-ddpm", 500),
                Arguments.of("ddim:eta=0.5", 500),
                Arguments.of("euler:s_churn=20,s_tmin=0.01,s_tmax=40", 500),
                Arguments.of("dpm2-ancestral", 80), Arguments.of("dpmpp-2s-ancestral", 80),
                Arguments.of("heun:s_churn=20", 160), Arguments.of("dpm2:s_churn=10", 160),
                Arguments.of("dpmpp-sde", 40), Arguments.of("dpmpp-2m-sde", 80),
                Arguments.of("dpmpp-2m-sde:solver=heun", 80), Arguments.of("dpmpp-3m-sde", 80),
                Arguments.of("dpmpp-3m-sde:corrected=true", 80));
    }

    /**
     * SiT's SDE on the linear interpolant with every diffusion coefficient w(t), and the Heun form on GVP: the same
     * marginals. The grid is uniform in t and stops at σ = 0.05 (t ≈ 0.048, where SiT takes its last step), since
     * w/σ² makes Euler–Maruyama unstable closer to the data for the constant w; the reference is the mixture
     * noised to that level.
     */
    static Stream<Arguments> interpolantSamplers() {
        return Stream.of(
                Arguments.of("sit-sde:w=constant", 500, "linear"), Arguments.of("sit-sde:w=SBDM", 500, "linear"),
                Arguments.of("sit-sde:w=sigma", 500, "linear"), Arguments.of("sit-sde:w=linear", 500, "linear"),
                Arguments.of("sit-sde:w=decreasing", 500, "linear"),
                Arguments.of("sit-sde:w=increasing-decreasing", 500, "linear"),
                Arguments.of("sit-sde:w=sigma,heun=true", 100, "gvp"));
    }

    @ParameterizedTest(name = "{0}, {1} steps")
    @MethodSource("samplers")
    void reproducesTheMixture(String spec, int steps) {
        VeSchedule ve = new VeSchedule();
        checkMarginal(spec, SamplerRegistry.create(spec), new GridSpec.Karras(0.002, 80, 7).build(steps, ve, true),
                ve, 0, entropy);
    }

    @ParameterizedTest(name = "{0}, {1} steps, {2}")
    @MethodSource("interpolantSamplers")
    void interpolantSdesKeepTheMarginals(String spec, int steps, String process) {
        NoiseSchedule schedule = Schedules.byName(process);
        double end = 0.05;
        Grid grid = new GridSpec.UniformTime(end, 80).build(steps, schedule, false);
        double[][] draws = MIXTURE.sample(400_000, new SplittableRandom(12));
        SplittableRandom noise = new SplittableRandom(13);
        for (double[] row : draws) {
            for (int j = 0; j < row.length; j++) {
                row[j] += end * noise.nextGaussian();
            }
        }
        double noisedEntropy = -MIXTURE.logDensity(matrix(manager, draws), 1, end).mean().getDouble();
        checkMarginal(spec, SamplerRegistry.create(spec, SamplingContext.of(schedule)), grid, schedule, end,
                noisedEntropy);
    }

    /** Mean, covariance and NLL of the samples against the mixture noised to EDM level {@code end}. */
    private static void checkMarginal(String spec, Sampler sampler, Grid grid, NoiseSchedule schedule, double end,
            double expectedEntropy) {
        Denoiser denoiser = new GaussianMixtureDenoiser(MIXTURE, schedule).edmView();
        long[] seeds = new long[SAMPLES];
        for (int i = 0; i < SAMPLES; i++) {
            seeds[i] = 1000L * spec.hashCode() + i;
        }
        try (NDManager m = manager.newSubManager()) {
            NDArray x = Sampling.of(sampler, denoiser, grid)
                    .generate(seeds, new Shape(2), DataType.FLOAT64, m).samples();
            double[] flat = x.toDoubleArray();
            double[] mean = MIXTURE.mean();
            double[][] cov = MIXTURE.covariance();
            for (int a = 0; a < 2; a++) {
                assertStatistic(spec + " mean[" + a + "]", mean[a], column(flat, a, -1, null));
                for (int b = a; b < 2; b++) {
                    assertStatistic(spec + " cov[" + a + "][" + b + "]", cov[a][b] + (a == b ? end * end : 0),
                            column(flat, a, b, mean));
                }
            }
            double[] nll = MIXTURE.logDensity(x, 1, end).neg().toDoubleArray();
            assertStatistic(spec + " NLL", expectedEntropy, nll);
        }
    }

    /** Per-sample values of x_a (b < 0) or (x_a − μ_a)(x_b − μ_b). */
    private static double[] column(double[] flat, int a, int b, double[] mean) {
        double[] out = new double[SAMPLES];
        for (int i = 0; i < SAMPLES; i++) {
            out[i] = b < 0 ? flat[2 * i + a] : (flat[2 * i + a] - mean[a]) * (flat[2 * i + b] - mean[b]);
        }
        return out;
    }

    private static void assertStatistic(String what, double exact, double[] values) {
        double sum = 0;
        double sumSq = 0;
        for (double v : values) {
            sum += v;
            sumSq += v * v;
        }
        double m = sum / values.length;
        double stderr = Math.sqrt((sumSq / values.length - m * m) / values.length);
        assertEquals(exact, m, 4 * stderr, what + " (standard error " + stderr + ")");
    }

    private static NDArray matrix(NDManager m, double[][] rows) {
        double[] flat = new double[rows.length * rows[0].length];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, flat, i * rows[0].length, rows[0].length);
        }
        return m.create(flat, new Shape(rows.length, rows[0].length));
    }
}
