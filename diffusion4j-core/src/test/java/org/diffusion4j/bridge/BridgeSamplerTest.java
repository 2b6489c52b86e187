package org.diffusion4j.bridge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.backend.Scalars;
import org.diffusion4j.sample.GaussianNoise;
import org.diffusion4j.sample.NoiseSource;
import org.junit.jupiter.api.Test;

/** The bridge samplers against exact answers: an oracle data prediction, and a Gaussian data/prior pair. */
class BridgeSamplerTest {

    @Test
    void timesRunFromJustBelowOneToZero() {
        double[] t = BridgeSampler.sde(new BridgeSchedule.Gmax(0.01, 50), 4).times();
        assertArrayEquals(new double[] {1 - 1e-5, 0.75 * (1 - 1e-5), 0.5 * (1 - 1e-5), 0.25 * (1 - 1e-5), 0}, t,
                1e-15);
    }

    /**
     * With the oracle x̂₀ = x₀, an ODE step from a point a_s·x₀ + b_s·x₁ + c_s·ε on the bridge lands on
     * a_t·x₀ + b_t·x₁ + c_t·ε with the same ε, at every step of a 7-step run; both samplers end at x₀.
     */
    @Test
    void withAnOracleTheOdeFollowsTheBridgePathAndBothSamplersEndAtTheData() {
        try (NDManager m = Backend.newManager()) {
            NDArray x0 = m.create(new double[] {0.3, -0.8, 1.5, 0.0});
            NDArray x1 = m.create(new double[] {-1.0, 0.4, 0.9, 2.0});
            NDArray eps = m.create(new double[] {0.5, -1.3, 0.2, 1.1});
            DataPrediction oracle = (x, t, prior) -> x0.duplicate();
            for (BridgeSchedule s : BridgeScheduleTest.SCHEDULES) {
                BridgeSampler ode = BridgeSampler.ode(s, 7);
                double[] t = ode.times();
                NDArray x = onPath(s, t[0], x0, x1, eps);
                for (int i = 0; i + 1 < t.length; i++) {
                    x = BridgeStep.ode(s, t[i], t[i + 1]).apply(x, x0, x1, null);
                    assertArrayEquals(onPath(s, t[i + 1], x0, x1, eps).toDoubleArray(), x.toDoubleArray(), 1e-12,
                            s + " at " + t[i + 1]);
                }
                assertArrayEquals(x0.toDoubleArray(), ode.sample(oracle, x1, NoiseSource.NONE, m).toDoubleArray(),
                        1e-12, s + " ODE");
                assertArrayEquals(x0.toDoubleArray(), BridgeSampler.sde(s, 7).sample(oracle, x1,
                        GaussianNoise.perSample(1, 2, 3, 4), m).toDoubleArray(), 1e-12, s + " SDE");
            }
        }
    }

    /**
     * A Gaussian data/prior pair: given the prior point y, x₀ ~ N(m, v). On the bridge x_t = a·x₀ + b·y + c·ε, so
     * the exact data prediction is E[x₀ | x_t] = m + a·v/(a²v + c²)·(x_t − a·m − b·y). The bridge SDE driven by it
     * samples x₀ | y: over 40 000 samples the mean is m within 5 standard errors at every step count, and the
     * variance, short of v at few steps (the step uses x̂₀'s mean, not a draw), converges to v: its relative
     * deficit falls as the steps grow and is below 5% at 1000 steps (measured: 22–38% at 20 steps, 4–7% at 200,
     * 0.9–1.2% at 1000; the standard error is 0.7%).
     */
    @Test
    void theSdeDrivenByTheExactPredictionSamplesTheExactConditional() {
        double mean = 0.3;
        double variance = 0.5;
        double y = -1.0;
        int n = 40_000;
        try (NDManager m = Backend.newManager()) {
            NDArray prior = m.full(new Shape(n, 1), (float) y).toType(DataType.FLOAT64, false);
            for (BridgeSchedule s : BridgeScheduleTest.SCHEDULES) {
                DataPrediction exact = (x, t, p) -> {
                    BridgeSchedule.Marginal c = s.marginal(t);
                    double gain = c.a() * variance / (c.a() * c.a() * variance + c.c() * c.c());
                    return x.sub(c.a() * mean + c.b() * y).mul(gain).add(mean);
                };
                double previousDeficit = Double.POSITIVE_INFINITY;
                for (int steps : new int[] {20, 200, 1000}) {
                    long[] seeds = new long[n];
                    for (int i = 0; i < n; i++) {
                        seeds[i] = 1000L * steps + i;
                    }
                    double[] x = BridgeSampler.sde(s, steps).sample(exact, prior, GaussianNoise.perSample(seeds), m)
                            .toDoubleArray();
                    double sampleMean = 0;
                    for (double v : x) {
                        sampleMean += v;
                    }
                    sampleMean /= n;
                    double sampleVariance = 0;
                    for (double v : x) {
                        sampleVariance += (v - sampleMean) * (v - sampleMean);
                    }
                    sampleVariance /= n - 1;
                    String what = s + ", " + steps + " steps";
                    assertEquals(mean, sampleMean, 5 * Math.sqrt(variance / n), what + ": mean");
                    double deficit = 1 - sampleVariance / variance;
                    assertTrue(deficit < previousDeficit, what + ": the variance's deficit " + deficit
                            + " falls with the steps (before: " + previousDeficit + ")");
                    previousDeficit = deficit;
                }
                assertTrue(Math.abs(previousDeficit) < 0.05, s + ": variance within 5% at 1000 steps, off by "
                        + previousDeficit);
            }
        }
    }

    private static NDArray onPath(BridgeSchedule s, double t, NDArray x0, NDArray x1, NDArray eps) {
        BridgeSchedule.Marginal c = s.marginal(t);
        return x0.mul(c.a()).add(x1.mul(c.b())).add(eps.mul(c.c()));
    }

    /**
     * Both samplers leave nothing per step in the prior's manager (it lives outside their step scopes, and an
     * operation's result goes to its first operand's manager): the same arrays after 4 steps as after 40.
     */
    @Test
    void stepsLeaveNothingWithThePrior() {
        for (boolean stochastic : new boolean[] {false, true}) {
            assertEquals(arraysLeftWithThePrior(stochastic, 4), arraysLeftWithThePrior(stochastic, 40),
                    stochastic ? "SDE" : "ODE");
        }
    }

    private static int arraysLeftWithThePrior(boolean stochastic, int steps) {
        BridgeSchedule schedule = new BridgeSchedule.Gmax(0.01, 50);
        BridgeSampler sampler = stochastic ? BridgeSampler.sde(schedule, steps) : BridgeSampler.ode(schedule, steps);
        try (NDManager priorHome = Backend.newManager(); NDManager home = Backend.newManager()) {
            NDArray prior = priorHome.randomNormal(new Shape(3, 4));
            int before = priorHome.getManagedArrays().size();
            DataPrediction halfway = (x, t, p) -> Scalars.times(x, 0.5);
            NDArray x = sampler.sample(halfway, prior, GaussianNoise.consecutive(0, 3), home);
            assertEquals(new Shape(3, 4), x.getShape());
            return priorHome.getManagedArrays().size() - before;
        }
    }
}
