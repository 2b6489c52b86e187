package org.diffusion4j.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Stream;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.UnknownNameException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class NoiseScheduleTest {

    /** (schedule, t, α, σ, λ) computed independently in NumPy float64 from the papers' definitions. */
    static Stream<Arguments> pinned() {
        NoiseSchedule vp = new VpLinearSchedule();
        NoiseSchedule cosine = new VpCosineSchedule();
        NoiseSchedule linear = new LinearInterpolantSchedule();
        NoiseSchedule gvp = new GvpSchedule();
        return Stream.of(
                Arguments.of(vp, 0.1, 0.946721798820598, 0.3220525355247045, 1.078290592942433),
                Arguments.of(vp, 0.5, 0.2811828807967524, 0.9596542020680363, -1.2275677344107874),
                Arguments.of(vp, 0.9, 0.016996463261689278, 0.9998555496853503, -4.074605539251399),
                Arguments.of(cosine, 0.1, 0.9859476340627675, 0.1670546703508494, 1.7752821175083628),
                Arguments.of(cosine, 0.5, 0.7027400589411691, 0.7114467018402448, -0.012313441405757165),
                Arguments.of(cosine, 0.9, 0.15521508992390481, 0.9878806992040658, -1.8507501087497336),
                Arguments.of(linear, 0.1, 0.9, 0.1, 2.1972245773362196),
                Arguments.of(linear, 0.9, 0.1, 0.9, -2.1972245773362196),
                Arguments.of(gvp, 0.1, 0.9876883405951378, 0.15643446504023087, 1.842730034701113),
                Arguments.of(gvp, 0.9, 0.15643446504023092, 0.9876883405951378, -1.8427300347011129),
                Arguments.of(new VeSchedule(), 3.5, 1.0, 3.5, -Math.log(3.5)));
    }

    @ParameterizedTest(name = "{0} at t = {1}")
    @MethodSource("pinned")
    void pinnedValues(NoiseSchedule s, double t, double alpha, double sigma, double lambda) {
        assertEquals(alpha, s.alpha(t), 1e-14 * Math.max(1, alpha));
        assertEquals(sigma, s.sigma(t), 1e-14);
        assertEquals(lambda, s.lambda(t), 1e-12);
        assertEquals(sigma / alpha, s.edmSigma(t), 1e-12 * sigma / alpha);
        assertEquals(t, s.timeOfLambda(lambda), 1e-12);
        assertEquals(t, s.timeOfEdmSigma(sigma / alpha), 1e-12);
    }

    static List<NoiseSchedule> all() {
        return List.of(new VeSchedule(), new VpLinearSchedule(), new VpCosineSchedule(),
                new LinearInterpolantSchedule(), new GvpSchedule(), DiscreteSchedule.linear(1e-4, 0.02, 1000),
                DiscreteSchedule.scaledLinear(0.00085, 0.012, 1000), DiscreteSchedule.squaredCosCapV2(1000));
    }

    private static double[] interiorTimes(NoiseSchedule s) {
        double hi = Double.isInfinite(s.maxTime()) ? 80 : s.maxTime();
        double span = hi - s.minTime();
        return new double[] {s.minTime() + 0.013 * span, s.minTime() + 0.21 * span, s.minTime() + 0.5 * span,
            s.minTime() + 0.77 * span, s.minTime() + 0.96 * span};
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("all")
    void inverseRoundTrips(NoiseSchedule s) {
        for (double t : interiorTimes(s)) {
            double lambda = s.lambda(t);
            assertEquals(t, s.timeOfLambda(lambda), 1e-11 * Math.max(1, t), s.name() + " at t = " + t);
            assertEquals(Math.log(s.alpha(t) / s.sigma(t)), lambda, 1e-12 * Math.max(1, Math.abs(lambda)));
            assertEquals(s.sigma(t) / s.alpha(t), Math.exp(-lambda), 1e-12 * Math.exp(-lambda));
        }
    }

    /** The closed-form inverse agrees with the generic bracketed root finder it overrides. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("all")
    void closedFormInverseMatchesRootFinder(NoiseSchedule s) {
        for (double t : interiorTimes(s)) {
            double lambda = s.lambda(t);
            double bisected = MonotoneInverse.decreasing(s::lambda, s.minTime(), s.maxTime(), lambda, "λ");
            assertEquals(bisected, s.timeOfLambda(lambda), 1e-11 * Math.max(1, t), s.name() + " at t = " + t);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("all")
    void derivativesMatchFiniteDifferences(NoiseSchedule s) {
        for (double t : interiorTimes(s)) {
            if (s instanceof DiscreteSchedule && Math.abs(t - Math.rint(t)) < 1e-3) {
                continue; // kinks at the training timesteps
            }
            double h = 1e-6 * Math.max(1, t);
            double dAlpha = (s.alpha(t + h) - s.alpha(t - h)) / (2 * h);
            double dSigma = (s.sigma(t + h) - s.sigma(t - h)) / (2 * h);
            assertEquals(dAlpha, s.alphaDerivative(t), 1e-6 * Math.max(1, Math.abs(dAlpha)), s.name() + " α' at " + t);
            assertEquals(dSigma, s.sigmaDerivative(t), 1e-6 * Math.max(1, Math.abs(dSigma)), s.name() + " σ' at " + t);
        }
    }

    @Test
    void vpEdmSigmaIsKDiffusionsVpFormula() {
        VpLinearSchedule vp = new VpLinearSchedule();
        for (double t : new double[] {1e-3, 0.2, 0.7, 1.0}) {
            double expected = Math.sqrt(Math.expm1(19.9 * t * t / 2 + 0.1 * t));
            assertEquals(expected, vp.edmSigma(t), 1e-13 * expected);
        }
    }

    @Test
    void cosineInverseIsAccurateNearData() {
        VpCosineSchedule cosine = new VpCosineSchedule();
        for (double t : new double[] {1e-9, 1e-6, 1e-4}) {
            assertEquals(t, cosine.timeOfLambda(cosine.lambda(t)), 1e-7 * t);
        }
    }

    @Test
    void discreteSchedulesPinTrainingSigmas() {
        DiscreteSchedule linear = DiscreteSchedule.linear(1e-4, 0.02, 1000);
        assertEquals(0.010000500037502575, linear.edmSigma(0), 1e-15);
        assertEquals(3.424136619044041, linear.edmSigma(499), 1e-12);
        assertEquals(157.40728081040757, linear.edmSigma(999), 1e-9);
        DiscreteSchedule scaled = DiscreteSchedule.scaledLinear(0.00085, 0.012, 1000);
        assertEquals(0.029167158151720367, scaled.edmSigma(0), 1e-15);
        assertEquals(14.614641229333639, scaled.edmSigma(999), 1e-10);
        DiscreteSchedule cosine = DiscreteSchedule.squaredCosCapV2(1000);
        assertEquals(0.006425412771142061, cosine.edmSigma(0), 1e-15);
        assertEquals(20291.169610019886, cosine.edmSigma(999), 1e-6);
    }

    /** β_t of Li et al.'s schedule for T = 10, c0 = 2, c1 = 4, evaluated in Python float64. */
    @Test
    void acceleratedTheoryScheduleGrowsGeometricallyThenSaturates() {
        double[] expected = {0.01, 0.017693377348741622, 0.03398958011991402, 0.06529514032041032,
            0.12543418701910286, 0.24096334269190828, 0.4628987830280698, 0.8892443179742774, 0.9210340371976183,
            0.9210340371976183};
        double[] sigmas = DiscreteSchedule.accelerated(10, 2, 4).trainingSigmas();
        double previousAlphaBar = 1;
        for (int j = 0; j < expected.length; j++) {
            double alphaBar = 1 / (1 + sigmas[j] * sigmas[j]);
            assertEquals(expected[j], 1 - alphaBar / previousAlphaBar, 1e-12, "beta[" + j + "]");
            previousAlphaBar = alphaBar;
        }
        InvalidArgumentException e = assertThrows(InvalidArgumentException.class,
                () -> DiscreteSchedule.accelerated(3, 2, 8));
        assertTrue(e.getMessage().contains("beta[1]"), e.getMessage());
    }

    @Test
    void discreteScheduleInterpolatesLogSigmaLikeKDiffusion() {
        DiscreteSchedule linear = DiscreteSchedule.linear(1e-4, 0.02, 1000);
        double expected = Math.exp(0.25 * Math.log(linear.edmSigma(10)) + 0.75 * Math.log(linear.edmSigma(11)));
        assertEquals(expected, linear.edmSigma(10.75), 1e-14 * expected);
        assertEquals(10.75, linear.timeOfEdmSigma(expected), 1e-12);
        double alpha = linear.alpha(10.75);
        assertEquals(1, alpha * alpha + linear.sigma(10.75) * linear.sigma(10.75), 1e-15);
    }

    @Test
    void outOfRangeLevelsAreRejected() {
        DiscreteSchedule linear = DiscreteSchedule.linear(1e-4, 0.02, 1000);
        InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> linear.timeOfEdmSigma(500));
        assertTrue(e.getMessage().contains("outside"), e.getMessage());
        assertThrows(InvalidArgumentException.class, () -> linear.alpha(1000.5));
    }

    @Test
    void registryKnowsEveryProcessAndListsThemOnError() {
        for (String name : Schedules.names()) {
            assertTrue(Schedules.byName(name).alpha(Schedules.byName(name).minTime()) > 0);
        }
        UnknownNameException e = assertThrows(UnknownNameException.class, () -> Schedules.byName("vpp"));
        assertTrue(e.getMessage().contains("vp-cosine") && e.getMessage().contains("'vpp'"), e.getMessage());
    }

    @Test
    void specsSetAProcesssParameters() {
        assertEquals(new VpLinearSchedule(0.05, 12), Schedules.byName("vp:beta_min=0.05,beta_max=12"));
        assertEquals(new VpLinearSchedule(), Schedules.byName("vp"));
        DiscreteSchedule chain = (DiscreteSchedule) Schedules.byName(
                "ddpm-linear:beta_start=1e-4,beta_end=0.08,steps=250");
        DiscreteSchedule direct = DiscreteSchedule.linear(1e-4, 0.08, 250);
        assertEquals(250, chain.size());
        assertTrue(java.util.Arrays.equals(direct.trainingSigmas(), chain.trainingSigmas()));
        assertEquals(1000, ((DiscreteSchedule) Schedules.byName("ddpm-cosine")).size());
        assertEquals(64, ((DiscreteSchedule) Schedules.byName("ddpm-cosine:steps=64")).size());
        InvalidArgumentException option = assertThrows(InvalidArgumentException.class,
                () -> Schedules.byName("edm:beta_min=1"));
        assertEquals("process edm has no option beta_min; it takes no options", option.getMessage());
        InvalidArgumentException range = assertThrows(InvalidArgumentException.class,
                () -> Schedules.byName("ddpm-linear:steps=1"));
        assertEquals("a discrete schedule needs at least 2 steps, got 1", range.getMessage());
        InvalidArgumentException number = assertThrows(InvalidArgumentException.class,
                () -> Schedules.byName("vp:beta_max=lots"));
        assertEquals("process vp: option beta_max must be a number, got 'lots'", number.getMessage());
    }
}
