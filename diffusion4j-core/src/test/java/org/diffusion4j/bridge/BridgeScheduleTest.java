package org.diffusion4j.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.UnknownNameException;
import org.junit.jupiter.api.Test;

/** The bridge schedules' closed forms, against their integrals and against a simulation of the bridge itself. */
class BridgeScheduleTest {

    static final List<BridgeSchedule> SCHEDULES = List.of(BridgeSchedule.byName("gmax"), BridgeSchedule.byName("vp"),
            BridgeSchedule.byName("constant"));

    @Test
    void specsReadBackWithTheirDefaults() {
        assertEquals(new BridgeSchedule.Gmax(0.01, 50), SCHEDULES.get(0));
        assertEquals(new BridgeSchedule.Vp(0.01, 20), SCHEDULES.get(1));
        assertEquals(new BridgeSchedule.ConstantG(1), SCHEDULES.get(2));
        for (BridgeSchedule s : SCHEDULES) {
            assertEquals(s, BridgeSchedule.byName(s.spec()));
        }
        assertEquals(new BridgeSchedule.Vp(0.1, 10), BridgeSchedule.byName("vp:beta_0=0.1,beta_1=10"));
        UnknownNameException unknown = assertThrows(UnknownNameException.class, () -> BridgeSchedule.byName("ve"));
        assertEquals("unknown bridge schedule 've'; known bridge schedules: gmax, vp, constant", unknown.getMessage());
        InvalidArgumentException bad = assertThrows(InvalidArgumentException.class, () -> BridgeSchedule.byName(
                "constant:c=0"));
        assertEquals("the constant bridge schedule needs g² = c > 0, got 0.0", bad.getMessage());
    }

    /** α_t = exp ∫f and σ_t² = ∫g²/α², by Simpson's rule on 20 000 intervals. */
    @Test
    void closedFormsAreTheIntegralsOfTheirDriftAndDiffusion() {
        for (BridgeSchedule s : SCHEDULES) {
            for (double t = 0.1; t <= 1.0001; t += 0.1) {
                double logAlpha = simpson(s::f, t);
                assertEquals(1, s.alpha(t) / Math.exp(logAlpha), 1e-10, s + " α at " + t);
                double sigma2 = simpson(u -> s.g2(u) / (s.alpha(u) * s.alpha(u)), t);
                assertEquals(1, s.sigma2(t) / sigma2, 1e-10, s + " σ² at " + t);
            }
        }
    }

    @Test
    void theMarginalIsTheDataAtZeroAndThePriorAtOne() {
        for (BridgeSchedule s : SCHEDULES) {
            assertEquals(new BridgeSchedule.Marginal(1, 0, 0), s.marginal(0), s.toString());
            BridgeSchedule.Marginal end = s.marginal(1);
            assertEquals(0, end.a(), 1e-15);
            assertEquals(1, end.b(), 1e-15);
            assertEquals(0, end.c(), 1e-15);
        }
    }

    /**
     * The marginal's closed form against the bridge itself: the reference SDE conditioned to end at x₁ (Doob's
     * h-transform, drift f·x + g²·∇log Ψ_t with ∇log Ψ_t(x) = −(x − ᾱ_t·x₁)/(α_t²·σ̄_t²)) simulated from x₀ by
     * Euler–Maruyama (4000 steps on [0, 1], 10 000 paths): its mean and variance at t = ¼, ½, ¾ are a·x₀ + b·x₁ and
     * c², within 5 standard errors for the mean and 6% for the variance (standard error 1.4%, the rest Euler's bias).
     */
    @Test
    void theMarginalMatchesASimulationOfTheBridgeSde() {
        double x0 = 0.7;
        double x1 = -1.2;
        int paths = 10_000;
        int steps = 4000;
        double dt = 1.0 / steps;
        for (BridgeSchedule s : SCHEDULES) {
            SplittableRandom random = new SplittableRandom(7);
            double[] x = new double[paths];
            java.util.Arrays.fill(x, x0);
            for (int k = 0; k < 3 * steps / 4; k++) {
                double t = k * dt;
                double g2 = s.g2(t);
                double pull = g2 / (s.alpha(t) * s.alpha(t) * s.sigmaBar2(t));
                double target = s.alphaBar(t) * x1;
                double kick = Math.sqrt(g2 * dt);
                for (int i = 0; i < paths; i++) {
                    x[i] += (s.f(t) * x[i] - pull * (x[i] - target)) * dt + kick * random.nextGaussian();
                }
                int done = k + 1;
                if (done % (steps / 4) == 0) {
                    BridgeSchedule.Marginal m = s.marginal(done * dt);
                    double mean = 0;
                    for (double v : x) {
                        mean += v;
                    }
                    mean /= paths;
                    double var = 0;
                    for (double v : x) {
                        var += (v - mean) * (v - mean);
                    }
                    var /= paths - 1;
                    String what = s + " at t = " + done * dt;
                    assertEquals(m.a() * x0 + m.b() * x1, mean, 5 * m.c() / Math.sqrt(paths), what + ": mean");
                    assertEquals(1, var / (m.c() * m.c()), 0.06, what + ": variance");
                }
            }
        }
    }

    /**
     * The SDE step is the bridge's exact transition: from the marginal at s (x₀ known, x̂₀ = x₀) it lands on the
     * marginal at t, mean and variance, for any pair of times.
     */
    @Test
    void theSdeStepMapsTheMarginalAtSToTheMarginalAtT() {
        for (BridgeSchedule s : SCHEDULES) {
            double[] times = {0.999, 0.8, 0.5, 0.3, 0.05, 0};
            for (int i = 0; i + 1 < times.length; i++) {
                BridgeSchedule.Marginal from = s.marginal(times[i]);
                BridgeSchedule.Marginal to = s.marginal(times[i + 1]);
                BridgeStep step = BridgeStep.sde(s, times[i], times[i + 1], 1);
                String what = s + " " + times[i] + " → " + times[i + 1];
                assertEquals(to.a(), step.x() * from.a() + step.data(), 1e-12, what + ": data coefficient");
                assertEquals(to.b(), step.x() * from.b() + step.prior(), 1e-12, what + ": prior coefficient");
                assertEquals(to.c() * to.c(), Math.pow(step.x() * from.c(), 2) + Math.pow(step.noise(), 2),
                        1e-12 * Math.max(1, to.c() * to.c()), what + ": variance");
            }
        }
    }

    /** The ODE step in DBIM's a/b/c form equals Bridge-TTS's explicit first-order update. */
    @Test
    void theOdeStepIsBridgeTtsFirstOrderUpdate() {
        for (BridgeSchedule s : SCHEDULES) {
            double sigma1 = Math.sqrt(s.sigma2(1));
            double[] times = {0.99999, 0.7, 0.4, 0.1, 0};
            for (int i = 0; i + 1 < times.length; i++) {
                double u = times[i];
                double t = times[i + 1];
                double su = Math.sqrt(s.sigma2(u));
                double st = Math.sqrt(s.sigma2(t));
                double sbu = Math.sqrt(s.sigmaBar2(u));
                double sbt = Math.sqrt(s.sigmaBar2(t));
                BridgeStep step = BridgeStep.ode(s, u, t);
                String what = s + " " + u + " → " + t;
                assertEquals(s.alpha(t) * st * sbt / (s.alpha(u) * su * sbu), step.x(), 1e-12, what);
                assertEquals(s.alpha(t) / (sigma1 * sigma1) * (sbt * sbt - sbu * st * sbt / su), step.data(), 1e-12,
                        what);
                assertEquals(s.alpha(t) / (sigma1 * sigma1) * (st * st - su * st * sbt / sbu) / s.alpha(1),
                        step.prior(), 1e-9 * Math.max(1, Math.abs(step.prior())), what);
                assertTrue(step.noise() == 0);
            }
        }
    }

    private static double simpson(DoubleUnaryOperator f, double t) {
        int n = 20_000;
        double h = t / n;
        double sum = f.applyAsDouble(0) + f.applyAsDouble(t);
        for (int i = 1; i < n; i++) {
            sum += (i % 2 == 1 ? 4 : 2) * f.applyAsDouble(i * h);
        }
        return sum * h / 3;
    }
}
