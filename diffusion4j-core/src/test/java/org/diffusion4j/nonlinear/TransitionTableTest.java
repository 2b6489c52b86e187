package org.diffusion4j.nonlinear;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Fokker–Planck table against closed forms (a = 0), Monte Carlo simulation of the SDE, and its own density. */
class TransitionTableTest {
    /** The MNIST process's drift and times, on 5 levels and 40 times so the solve takes a moment. */
    private static final SineDriftProcess SINE = new SineDriftProcess(0.5, 2, 6, 2e-3, 5, 40);
    private static TransitionTable sine;

    @BeforeAll
    static void solve() {
        sine = new TransitionTable(SINE);
    }

    /** a = 0 is the Ornstein–Uhlenbeck process: x_t | x_0 ~ N(x_0·e^{−t}, (g²/2)(1 − e^{−2t})). */
    @Test
    void ornsteinUhlenbeckTableIsTheGaussianTransition() {
        SineDriftProcess ou = new SineDriftProcess(0, 2, 6, 2e-3, 3, 24);
        TransitionTable table = new TransitionTable(ou);
        double worstMoment = 0;
        double worstQuantile = 0;
        double worstScore = 0;
        double worstDensity = 0;
        for (int level = 0; level < ou.levels(); level++) {
            for (int k = 0; k < ou.times(); k++) {
                double t = ou.tabulatedTime(k);
                double mean = ou.level(level) * Math.exp(-t);
                double sd = Math.sqrt(-Math.expm1(-2 * t));
                worstMoment = Math.max(worstMoment, Math.max(Math.abs(table.mean(level, k) - mean) / sd,
                        Math.abs(table.deviation(level, k) / sd - 1)));
                NormalDistribution normal = new NormalDistribution(mean, sd);
                for (double u = 0.01; u < 1; u += 0.049) {
                    worstQuantile = Math.max(worstQuantile,
                            Math.abs(table.quantile(level, k, u) - normal.inverseCumulativeProbability(u)) / sd);
                }
                for (double z = -4; z <= 4; z += 0.37) {
                    double x = mean + sd * z;
                    worstScore = Math.max(worstScore, Math.abs(table.score(level, k, x) + z / sd) * sd);
                    worstDensity = Math.max(worstDensity, Math.abs(table.density(level, k, x) * sd
                            - normal.density(x) * sd));
                }
            }
        }
        System.out.printf(Locale.ROOT, "OU table: moments %.2e, quantiles %.2e, score %.2e, density %.2e (in s)%n",
                worstMoment, worstQuantile, worstScore, worstDensity);
        assertTrue(worstMoment < 2e-4, "moments off by " + worstMoment);
        assertTrue(worstQuantile < 1e-3, "quantiles off by " + worstQuantile);
        assertTrue(worstScore < 5e-2, "scores off by " + worstScore);
        assertTrue(worstDensity < 1e-3, "densities off by " + worstDensity);
    }

    /** Every tabulated density integrates to 1 (the mass beyond ±6 standard deviations is below 10⁻⁶). */
    @Test
    void densitiesIntegrateToOne() {
        double worst = 0;
        for (int level = 0; level < SINE.levels(); level++) {
            for (int k = 0; k < SINE.times(); k += 3) {
                double m = sine.mean(level, k);
                double s = sine.deviation(level, k);
                double sum = 0;
                int n = 24_000;
                double h = 2 * TransitionTable.Z_MAX * s / n;
                for (int i = 0; i <= n; i++) {
                    double x = m - TransitionTable.Z_MAX * s + i * h;
                    sum += (i == 0 || i == n ? 0.5 : 1) * sine.density(level, k, x) * h;
                }
                worst = Math.max(worst, Math.abs(sum - 1));
            }
        }
        assertTrue(worst < 1e-6, "a density integrates to 1 ± " + worst);
    }

    /**
     * Euler–Maruyama paths of dX = −(X + ½ sin 2X) dt + √2 dB (40 000 per start, step 5·10⁻⁴) land where the table
     * says: at nine probability levels u the fraction of paths below the tabulated quantile is u within four
     * binomial standard errors, and mean and standard deviation agree within four standard errors.
     */
    @Test
    void matchesMonteCarloSimulationOfTheSde() {
        int paths = 40_000;
        double h = 5e-4;
        for (int level : new int[] {0, 3}) {
            for (int k : new int[] {5, 20, 30}) {
                double t = SINE.tabulatedTime(k);
                double[] x = new double[paths];
                Arrays.fill(x, SINE.level(level));
                SplittableRandom random = new SplittableRandom(17 + 31L * level + k);
                int steps = (int) Math.ceil(t / h);
                double dt = t / steps;
                double noise = Math.sqrt(SINE.diffusionSquared() * dt);
                for (int s = 0; s < steps; s++) {
                    for (int i = 0; i < paths; i++) {
                        x[i] += SINE.drift(x[i]) * dt + noise * random.nextGaussian();
                    }
                }
                double mean = Arrays.stream(x).average().orElseThrow();
                double var = Arrays.stream(x).map(v -> (v - mean) * (v - mean)).sum() / (paths - 1);
                double sd = sine.deviation(level, k);
                assertEquals(sine.mean(level, k), mean, 4 * sd / Math.sqrt(paths), "mean, level " + level + ", t " + t);
                assertEquals(sd, Math.sqrt(var), 4 * sd / Math.sqrt(2.0 * paths), "sd, level " + level + ", t " + t);
                for (int j = 1; j <= 9; j++) {
                    double u = j / 10.0;
                    double q = sine.quantile(level, k, u);
                    double below = Arrays.stream(x).filter(v -> v <= q).count() / (double) paths;
                    assertEquals(u, below, 4 * Math.sqrt(u * (1 - u) / paths), "P(x_t ≤ q_" + u + "), level "
                            + level + ", t " + t);
                }
            }
        }
    }

    /** The tabulated score is the derivative of the log of the tabulated density (central differences). */
    @Test
    void scoreIsTheDerivativeOfTheLogDensity() {
        double worst = 0;
        for (int level = 0; level < SINE.levels(); level++) {
            for (int k = 0; k < SINE.times(); k += 4) {
                double m = sine.mean(level, k);
                double s = sine.deviation(level, k);
                for (double z = -3.5; z <= 3.5; z += 0.173) {
                    double x = m + s * z;
                    double e = 1e-3 * s;
                    double difference = (Math.log(sine.density(level, k, x + e))
                            - Math.log(sine.density(level, k, x - e))) / (2 * e);
                    worst = Math.max(worst, Math.abs(sine.score(level, k, x) - difference) * s);
                }
            }
        }
        System.out.printf(Locale.ROOT, "score vs finite differences of ln p: %.2e (in units of 1/s)%n", worst);
        assertTrue(worst < 4e-2, "score and d ln p/dx differ by " + worst + "/s");
    }

    /**
     * At the horizon the process has forgotten its start: the total variation distance from every level's density to
     * the stationary prior is small, so starting the sampler from π costs little.
     */
    @Test
    void horizonDensitiesAreThePrior() {
        StationaryPrior prior = new StationaryPrior(SINE);
        int last = SINE.times() - 1;
        double worst = 0;
        for (int level = 0; level < SINE.levels(); level++) {
            double tv = 0;
            double h = 1e-3;
            for (double x = -6; x < 6; x += h) {
                double pi = (prior.distribution(x + h) - prior.distribution(x)) / h;
                tv += 0.5 * Math.abs(sine.density(level, last, x + h / 2) - pi) * h;
            }
            worst = Math.max(worst, tv);
        }
        System.out.printf(Locale.ROOT, "TV(p_T(· | x_0), π) ≤ %.2e at T = %s%n", worst, SINE.horizon());
        assertTrue(worst < 1e-3, "total variation to the prior " + worst);
    }

    /** π is stationary for the SDE: 40 000 prior draws run for t = 1 keep the prior's distribution function. */
    @Test
    void priorIsStationaryUnderTheSde() {
        StationaryPrior prior = new StationaryPrior(SINE);
        int paths = 40_000;
        SplittableRandom random = new SplittableRandom(5);
        double[] x = new double[paths];
        for (int i = 0; i < paths; i++) {
            x[i] = prior.quantile(random.nextDouble());
        }
        double dt = 5e-4;
        for (int s = 0; s < 2000; s++) {
            for (int i = 0; i < paths; i++) {
                x[i] += SINE.drift(x[i]) * dt + Math.sqrt(SINE.diffusionSquared() * dt) * random.nextGaussian();
            }
        }
        for (int j = 1; j <= 9; j++) {
            double u = j / 10.0;
            double q = prior.quantile(u);
            double below = Arrays.stream(x).filter(v -> v <= q).count() / (double) paths;
            assertEquals(u, below, 4 * Math.sqrt(u * (1 - u) / paths), "P(x ≤ π-quantile " + u + ")");
        }
    }
}
