package org.diffusion4j.nonlinear;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.UnknownNameException;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.nonlinear.RestorationDegradation.DriftPoint;
import org.diffusion4j.sample.StepCallback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The samplers of a non-linear process driven by its exact model: data on two levels of the sine-drift process
 * (−1 with weight 0.3, 0.5 with weight 0.7), whose marginal score and data estimate the transition table gives
 * exactly at the tabulated times. In 1-D the probability-flow map keeps quantiles, so a sampler that follows it sends
 * the prior's quantile u to the data's: the 1-Wasserstein distance between the sorted outputs and the data's
 * quantiles measures how far a sampler is from the flow.
 */
class NonlinearSamplingTest {
    private static final SineDriftProcess PROCESS = new SineDriftProcess(0.5, 2, 6, 2e-3, 9, 64);
    private static final int[] LEVELS = {0, 6};
    private static final double[] WEIGHTS = {0.3, 0.7};
    private static final int N = 2000;
    private static NDManager manager;
    private static TransitionTable table;
    private static DiscreteDataField field;

    @BeforeAll
    static void setUp() {
        manager = Backend.newManager();
        table = new TransitionTable(PROCESS);
        field = new DiscreteDataField(table, LEVELS, WEIGHTS);
    }

    @AfterAll
    static void tearDown() {
        manager.close();
    }

    /** {@code steps − 1} intervals over evenly spaced tabulated times from T to t_min, then the step to 0. */
    private static double[] tabulatedTimes(int steps) {
        double[] t = new double[steps + 1];
        int last = PROCESS.times() - 1;
        for (int j = 0; j < steps; j++) {
            t[j] = PROCESS.tabulatedTime((int) Math.round(last * (1 - j / (double) (steps - 1))));
        }
        return t;
    }

    private static double w1ToData(double[] x) {
        double[] sorted = x.clone();
        Arrays.sort(sorted);
        double sum = 0;
        for (int i = 0; i < sorted.length; i++) {
            double u = (i + 0.5) / sorted.length;
            double want = u < WEIGHTS[0] ? PROCESS.level(LEVELS[0]) : PROCESS.level(LEVELS[1]);
            sum += Math.abs(sorted[i] - want) / sorted.length;
        }
        return sum;
    }

    private static double[] run(NonlinearSampler sampler, int steps) {
        StationaryPrior prior = new StationaryPrior(PROCESS);
        double[] start = new double[N];
        for (int i = 0; i < N; i++) {
            start[i] = prior.quantile((i + 0.5) / N);
        }
        try (NDManager m = manager.newSubManager()) {
            NDArray x = m.create(start);
            return sampler.sample(PROCESS, field, x, tabulatedTimes(steps), StepCallback.NONE).toDoubleArray();
        }
    }

    /**
     * On tabulated times evenly spaced in ln t (δ/t = 0.12 at 64 steps): probability-flow Euler converges to the flow
     * (W1 below 0.015 at 64 steps, the weights within 0.01); RD restoring to the data with the drift frozen converges
     * at first order but with a larger constant; the conditional-mean update ({@code degradation-ddim}) stalls; and RD
     * with the geometric look-back η = √(δt), whose score weight (1 − r)η/δ is 0.555 instead of ½ there, runs cold:
     * the level with weight 0.7 takes most of the other's mass.
     */
    @Test
    void samplersOfTheExactModelFollowTheFlow() {
        Map<String, NonlinearSampler> samplers = new LinkedHashMap<>();
        for (String spec : new String[] {"pf-euler", "restoration-degradation:look_back=data",
            "restoration-degradation", "restoration-degradation:drift=current", "degradation-ddim"}) {
            samplers.put(spec, NonlinearSamplers.create(spec, () -> table));
        }
        int[] steps = {8, 16, 32, 64};
        Map<String, double[]> distance = new LinkedHashMap<>();
        Map<String, Double> lowWeight = new LinkedHashMap<>();
        for (Map.Entry<String, NonlinearSampler> e : samplers.entrySet()) {
            double[] d = new double[steps.length];
            for (int i = 0; i < steps.length; i++) {
                double[] x = run(e.getValue(), steps[i]);
                d[i] = w1ToData(x);
                if (i == steps.length - 1) {
                    lowWeight.put(e.getKey(), Arrays.stream(x).filter(v -> v < -0.25).count() / (double) N);
                }
            }
            distance.put(e.getKey(), d);
            System.out.printf(Locale.ROOT, "%-40s W1 at %s steps: %s; weight of −1 at 64: %.4f%n", e.getKey(),
                    Arrays.toString(steps), Arrays.toString(Arrays.stream(d).map(v -> Math.round(v * 1e4) / 1e4)
                            .toArray()), lowWeight.get(e.getKey()));
        }
        double[] euler = distance.get("pf-euler");
        double[] toData = distance.get("restoration-degradation:look_back=data");
        double[] conditionalMean = distance.get("degradation-ddim");
        for (int i = 1; i < steps.length; i++) {
            assertTrue(euler[i] < euler[i - 1] && toData[i] < toData[i - 1], "W1 did not fall from " + steps[i - 1]
                    + " to " + steps[i] + " steps: PF Euler " + Arrays.toString(euler) + ", RD to the data "
                    + Arrays.toString(toData));
        }
        assertTrue(euler[3] < 0.015, "PF Euler at 64 steps: " + euler[3]);
        assertEquals(WEIGHTS[0], lowWeight.get("pf-euler"), 0.01, "PF Euler: weight of the level −1");
        assertTrue(toData[2] / toData[3] > 1.6, "RD to the data converges at first order: " + Arrays.toString(toData));
        // the conditional-mean update stalls: its recovered noise is not E[ε | x]
        assertTrue(conditionalMean[3] > 3 * euler[3] && conditionalMean[3] > 0.8 * conditionalMean[2],
                "degradation-ddim " + Arrays.toString(conditionalMean) + " vs PF Euler " + Arrays.toString(euler));
        // a finite look-back over-weights the score ((1 − r)η/δ > ½): sampling runs cold and the larger level
        // takes the smaller one's mass
        for (String cold : new String[] {"restoration-degradation", "restoration-degradation:drift=current"}) {
            assertTrue(lowWeight.get(cold) < 0.15, cold + ": weight of the level −1 " + lowWeight.get(cold));
        }
    }

    /**
     * On this process too the RD step tends to the probability-flow Euler step as η → 0 and δ/η → 0 (the paper's
     * limit), with the exact score at t = 0.5: max |RD − PF Euler|/δ over the samples falls with both.
     */
    @Test
    void rdStepTendsToTheEulerStepOnTheTabulatedProcess() {
        int k = 40;
        double t = PROCESS.tabulatedTime(k);
        double[] points = new double[33];
        for (int i = 0; i < points.length; i++) {
            points[i] = -1.6 + 0.1 * i;
        }
        double[] etas = {1e-2, 1e-3, 1e-4};
        double[] ratios = {1e-1, 1e-2, 1e-3};
        double[][] gap = new double[etas.length][ratios.length];
        try (NDManager m = manager.newSubManager()) {
            NDArray x = m.create(points);
            ScoreField score = field.score();
            for (int a = 0; a < etas.length; a++) {
                for (int b = 0; b < ratios.length; b++) {
                    double delta = etas[a] * ratios[b];
                    double[] rd = RestorationDegradation.step(PROCESS, score, x, t, etas[a], delta,
                            DriftPoint.RESTORED).toDoubleArray();
                    double[] euler = RestorationDegradation.probabilityFlowEulerStep(PROCESS, score, x, t, delta)
                            .toDoubleArray();
                    for (int i = 0; i < points.length; i++) {
                        gap[a][b] = Math.max(gap[a][b], Math.abs(rd[i] - euler[i]) / delta);
                    }
                }
            }
        }
        System.out.println("max |RD − PF Euler|/δ at t = " + t + ", rows η = 1e-2…1e-4, columns δ/η = 1e-1…1e-3: "
                + Arrays.deepToString(gap));
        assertTrue(gap[2][2] < gap[0][0] / 20 && gap[2][2] < 0.02, Arrays.deepToString(gap));
        for (int a = 0; a < etas.length; a++) {
            assertTrue(gap[a][2] < gap[a][0], "falls with δ/η at η = " + etas[a] + ": " + Arrays.toString(gap[a]));
        }
    }

    @Test
    void specsAreCheckedByName() {
        assertEquals("restoration-degradation", NonlinearSamplers.create("restoration-degradation:c=0.5",
                () -> table).name());
        UnknownNameException unknown = assertThrows(UnknownNameException.class,
                () -> NonlinearSamplers.create("heun", () -> table));
        assertTrue(unknown.getMessage().contains("pf-euler"), unknown.getMessage());
        InvalidArgumentException c = assertThrows(InvalidArgumentException.class,
                () -> NonlinearSamplers.create("restoration-degradation:c=-1", () -> table));
        assertTrue(c.getMessage().contains("c must be positive"), c.getMessage());
        InvalidArgumentException option = assertThrows(InvalidArgumentException.class,
                () -> NonlinearSamplers.create("pf-euler:eta=2", () -> table));
        assertTrue(option.getMessage().contains("eta"), option.getMessage());
        InvalidArgumentException end = assertThrows(InvalidArgumentException.class,
                () -> new ProbabilityFlowEuler().sample(PROCESS, field, manager.create(new double[] {0}),
                        new double[] {1, 0.5}, StepCallback.NONE));
        assertTrue(end.getMessage().contains("down to t = 0"), end.getMessage());
    }
}
