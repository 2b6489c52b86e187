package org.diffusion4j.nonlinear;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.Locale;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.denoise.GaussianMixture;
import org.diffusion4j.denoise.GaussianMixtureDenoiser;
import org.diffusion4j.denoise.MixtureSpec;
import org.diffusion4j.eval.ConvergenceOrder;
import org.diffusion4j.grid.Grid;
import org.diffusion4j.nonlinear.RestorationDegradation.DriftPoint;
import org.diffusion4j.nonlinear.RestorationDegradationSampler.LookBack;
import org.diffusion4j.process.NoiseSchedule;
import org.diffusion4j.process.VpLinearSchedule;
import org.diffusion4j.sample.Ddim;
import org.diffusion4j.sample.NonFiniteSampleException;
import org.diffusion4j.sample.StepCallback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RestorationDegradationTest {
    private static NDManager manager;
    private static FokkerPlanckFixture process;

    @BeforeAll
    static void load() {
        manager = Backend.newManager();
        process = new FokkerPlanckFixture(manager);
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    /**
     * The RD step tends to the probability-flow Euler step as η → 0 and δ/η → 0. With the drift frozen at x the gap is
     * exactly |(1 − r)η/δ − ½|·g²|s|; with the paper's drift at the restored point it also carries ½η|f′(g²s − f)|.
     */
    @Test
    void stepTendsToTheProbabilityFlowEulerStep() {
        double t = 1.0;
        double[] points = new double[41];
        for (int i = 0; i < points.length; i++) {
            points[i] = -2 + 0.1 * i;
        }
        NDArray x = manager.create(points);
        double[] etas = {1e-2, 1e-3, 1e-4};
        double[] ratios = {1e-1, 1e-2, 1e-3};
        double[][] gap = new double[3][3];
        StringBuilder table = new StringBuilder("max |RD − PF Euler|/δ (drift at the restored point)\nη \\ δ/η");
        for (double u : ratios) {
            table.append(String.format(Locale.ROOT, "  %8.0e", u));
        }
        for (int a = 0; a < 3; a++) {
            table.append(String.format(Locale.ROOT, "%n%6.0e ", etas[a]));
            for (int b = 0; b < 3; b++) {
                double eta = etas[a];
                double delta = ratios[b] * eta;
                NDArray euler = RestorationDegradation.probabilityFlowEulerStep(process, process, x, t, delta);
                double[] restored = RestorationDegradation.step(process, process, x, t, eta, delta,
                        DriftPoint.RESTORED).sub(euler).toDoubleArray();
                double[] current = RestorationDegradation.step(process, process, x, t, eta, delta,
                        DriftPoint.CURRENT).sub(euler).toDoubleArray();
                double weight = (1 - Math.sqrt(1 - delta / eta)) * eta / delta - 0.5;
                for (int i = 0; i < points.length; i++) {
                    double s = process.score(points[i], t);
                    assertEquals(weight * 2 * s, current[i] / delta, 1e-6, "frozen-drift gap at x = " + points[i]);
                    gap[a][b] = Math.max(gap[a][b], Math.abs(restored[i]) / delta);
                }
                table.append(String.format(Locale.ROOT, "  %8.1e", gap[a][b]));
            }
        }
        System.out.println(table);
        for (int a = 0; a < 3; a++) {
            for (int b = 0; b < 3; b++) {
                if (a > 0) {
                    assertTrue(gap[a][b] < gap[a - 1][b], "gap shrinks with η");
                }
                if (b > 0) {
                    assertTrue(gap[a][b] < gap[a][b - 1], "gap shrinks with δ/η");
                }
            }
        }
        assertTrue(gap[2][2] < 2e-3, "gap at η = 1e-4, δ/η = 1e-3: " + gap[2][2]);
    }

    /** DDIM is the RD step of a linear process with Tweedie restoration to the data: VP and Ornstein–Uhlenbeck. */
    @ParameterizedTest(name = "beta {0}")
    @ValueSource(strings = {"vp", "ou"})
    void tweedieRestorationIsDdim(String name) {
        NoiseSchedule schedule = name.equals("vp") ? new VpLinearSchedule() : new VpLinearSchedule(2, 2);
        GaussianMixture mixture = MixtureSpec.bundled("eight-gaussians");
        LinearSde sde = new LinearSde(schedule);
        ScoreField score = ScoreField.exact(mixture, schedule);
        int steps = 25;
        double[] times = new double[steps + 1];
        double[] sigmas = new double[steps + 1];
        for (int i = 0; i <= steps; i++) {
            times[i] = 1 - (1 - 1e-3) * i / steps;
            sigmas[i] = schedule.sigma(times[i]) / schedule.alpha(times[i]);
        }
        try (NDManager m = manager.newSubManager()) {
            NDArray start = m.randomNormal(0, 1, new Shape(64, 2), DataType.FLOAT64);
            NDArray x = start;
            for (int i = 0; i < steps; i++) {
                x = RestorationDegradation.tweedieStep(sde, score, x, times[i], times[i + 1]);
            }
            NDArray rd = x.div(schedule.alpha(times[steps]));
            NDArray ddim = new Ddim().sample(new GaussianMixtureDenoiser(mixture, schedule).edmView(),
                    start.div(schedule.alpha(times[0])), Grid.of(sigmas), null, StepCallback.NONE);
            double gap = rd.sub(ddim).abs().max().getDouble();
            assertTrue(gap < 1e-12, name + ": |RD − DDIM| = " + gap);
        }
    }

    /**
     * On the non-linear process, RD sampling with the drift frozen at the iterate and restoration to the data
     * converges to the exact probability-flow map (the Fokker–Planck quantiles) at first order, like the
     * probability-flow Euler method (slopes over 800–3200 steps); the drift at the restored point (the paper's
     * Euler–Maruyama degradation) with the look-back η = 0.3√δ (our choice: the paper fixes no η, only the limit
     * η → 0, δ/η → 0, which η ∝ √δ reaches) converges at order ½, as its O(η + δ/η) step error predicts, and is still
     * 0.26 off at 3200 steps.
     */
    @Test
    void samplingConvergesToTheExactProbabilityFlowMap() {
        int[] counts = {50, 100, 200, 400, 800, 1600, 3200};
        double[] nfe = new double[counts.length];
        double[] frozen = new double[counts.length];
        double[] restored = new double[counts.length];
        double[] euler = new double[counts.length];
        for (int k = 0; k < counts.length; k++) {
            double[] times = new double[counts[k] + 1];
            for (int i = 0; i <= counts[k]; i++) {
                times[i] = process.startTime - (process.startTime - process.endTime) * i / counts[k];
            }
            nfe[k] = counts[k];
            frozen[k] = error(new RestorationDegradationSampler(LookBack.toData(), DriftPoint.CURRENT), times);
            restored[k] = error(new RestorationDegradationSampler(LookBack.power(0.3, 0.5), DriftPoint.RESTORED),
                    times);
            euler[k] = errorOfEuler(times);
        }
        System.out.printf(Locale.ROOT, "steps %s%nRD frozen drift, to data %s%nRD restored drift, η = 0.3√δ %s%n"
                + "PF Euler %s%n", Arrays.toString(counts), Arrays.toString(frozen),
                Arrays.toString(restored), Arrays.toString(euler));
        assertEquals(1, lastThreeOrder(nfe, frozen), 0.1, "RD, frozen drift");
        assertEquals(1, lastThreeOrder(nfe, euler), 0.1, "PF Euler");
        assertEquals(0.5, lastThreeOrder(nfe, restored), 0.15, "RD, restored drift");
    }

    private static double lastThreeOrder(double[] nfe, double[] error) {
        int n = nfe.length;
        return ConvergenceOrder.fit(Arrays.copyOfRange(nfe, n - 3, n), Arrays.copyOfRange(error, n - 3, n));
    }

    private static double error(RestorationDegradationSampler sampler, double[] times) {
        try (NDManager m = manager.newSubManager()) {
            double[] end = sampler.sample(process, process, m.create(process.xStart), times).toDoubleArray();
            return maxError(end);
        }
    }

    private static double errorOfEuler(double[] times) {
        try (NDManager m = manager.newSubManager()) {
            NDArray x = m.create(process.xStart);
            for (int i = 1; i < times.length; i++) {
                x = RestorationDegradation.probabilityFlowEulerStep(process, process, x, times[i - 1],
                        times[i - 1] - times[i]);
            }
            return maxError(x.toDoubleArray());
        }
    }

    private static double maxError(double[] end) {
        double max = 0;
        for (int i = 0; i < end.length; i++) {
            max = Math.max(max, Math.abs(end[i] - process.xEnd[i]));
        }
        return max;
    }

    /** The RD sampler runs in the shared step loop: a score that breaks is reported with the step and its times. */
    @Test
    void aBrokenScoreIsReportedWithTheStepAndTimes() {
        NoiseSchedule schedule = new VpLinearSchedule();
        ScoreField exact = ScoreField.exact(MixtureSpec.bundled("eight-gaussians"), schedule);
        ScoreField broken = (x, t) -> t < 0.5 ? exact.score(x, t).mul(Double.NaN) : exact.score(x, t);
        double[] times = {1, 0.8, 0.6, 0.4, 0.2, 0.01};
        try (NDManager m = manager.newSubManager()) {
            NDArray x = m.randomNormal(0, 1, new Shape(16, 2), DataType.FLOAT64);
            NonFiniteSampleException e = assertThrows(NonFiniteSampleException.class,
                    () -> new RestorationDegradationSampler(LookBack.toData(), DriftPoint.CURRENT).sample(
                            new LinearSde(schedule), broken, x, times));
            assertEquals("sampler restoration-degradation produced NaN values at step 4 of 5 (t 0.400000 → 0.200000)",
                    e.getMessage());
        }
    }
}
