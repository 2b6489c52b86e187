package org.diffusion4j.phase;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.Locale;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.denoise.MixtureSpec;
import org.diffusion4j.eval.ConvergenceOrder;
import org.diffusion4j.ode.DormandPrince;
import org.junit.jupiter.api.Test;

class PsldIntegratorsTest {
    private static final Psld PSLD = Psld.criticallyDamped(0.02, 8);
    private static final PsldMixtureScore SCORE = new PsldMixtureScore(MixtureSpec.bundled("eight-gaussians"),
            PSLD);
    private static final double END = 1e-3;
    private static final double FLOW_END = 1e-2;
    private static final long SEED = Long.getLong("psldSeed", 3);
    private static final PsldMixtureScore SCORE_1D = new PsldMixtureScore(MixtureSpec.bundled("two-gaussians-1d"),
            PSLD);

    /** The exact score is the gradient of the exact log-density (central differences). */
    @Test
    void scoreIsTheGradientOfTheLogDensity() {
        try (NDManager m = Backend.newManager()) {
            for (double t : new double[] {0.01, 0.2, 0.9}) {
                NDArray z = m.randomNormal(0, 1, new Shape(8, 4), DataType.FLOAT64);
                double[] score = SCORE.score(z, t).toDoubleArray();
                double[] base = z.toDoubleArray();
                double h = 1e-6;
                for (int j = 0; j < 4; j++) {
                    double[] up = base.clone();
                    double[] down = base.clone();
                    for (int b = 0; b < 8; b++) {
                        up[4 * b + j] += h;
                        down[4 * b + j] -= h;
                    }
                    double[] fUp = SCORE.logDensity(m.create(up, new Shape(8, 4)), t).toDoubleArray();
                    double[] fDown = SCORE.logDensity(m.create(down, new Shape(8, 4)), t).toDoubleArray();
                    for (int b = 0; b < 8; b++) {
                        double numeric = (fUp[b] - fDown[b]) / (2 * h);
                        assertEquals(numeric, score[4 * b + j], 1e-5 * (1 + Math.abs(numeric)),
                                "t " + t + ", coordinate " + j);
                    }
                }
            }
        }
    }

    /** Proposition 2 of Pandey et al.: with ε frozen, the λ = 0 conjugate step solves the linear ODE exactly. */
    @Test
    void conjugateStepWithFrozenEpsilonIsTheExactLinearSolution() {
        try (NDManager m = Backend.newManager()) {
            NDArray z = m.randomNormal(0, 1, new Shape(5, 4), DataType.FLOAT64);
            NDArray epsilon = m.randomNormal(0, 1, new Shape(5, 4), DataType.FLOAT64);
            double t = 0.6;
            double s = 0.25;
            NDArray step = new PsldConjugate(0).stateStep(PSLD, z, epsilon, t, s);
            DormandPrince solver = new DormandPrince(1e-12, 1e-14, DormandPrince.ErrorNorm.MAX, 1_000_000);
            NDArray exact = solver.solve((u, y) -> PhaseState.apply(PSLD.drift(u), y).add(PhaseState.apply(
                    PSLD.diffusionSquared(u).times(0.5).times(PSLD.conditionalCovariance(u).cholesky().inverse()
                            .transpose()), epsilon)), z, t, s).y();
            double error = step.sub(exact).abs().max().getDouble();
            assertTrue(error < 1e-10, "conjugate step vs exact solution: " + error);
        }
    }

    /**
     * Every integrator converges to the exact probability-flow solution (Dormand–Prince at 1e-8) from t = 1 to
     * 10⁻² on a uniform grid, at first order (slopes over 200–800 steps), the splittings with much smaller constants:
     * at 800 calls Euler is 1.5e-2 off, RSE 1.7e-3 and RVV (400 steps) 9.2e-4. The error is the median over 64 starts:
     * the few trajectories that start near the boundary between the modes are far more sensitive, and their errors
     * are still pre-asymptotic at 800 steps. The 1-D mixture and the end at 10⁻²
     * keep the flow mild enough for the asymptotic regime; near 10⁻³ on the eight Gaussians it is stiff (β = 8,
     * data variances 0.06) and 800 steps are still pre-asymptotic.
     */
    @Test
    void integratorsConvergeToTheProbabilityFlowAtFirstOrder() {
        List<PhaseSampler> samplers = List.of(new PsldEuler(), new PsldConjugate(0), new PsldConjugate(1),
                new PsldSplitting(PsldSplitting.Scheme.NSE), new PsldSplitting(PsldSplitting.Scheme.RSE),
                new PsldSplitting(PsldSplitting.Scheme.NVV), new PsldSplitting(PsldSplitting.Scheme.RVV),
                new PsldConjugateSplitting(PsldConjugateSplitting.Scheme.CSE, 0),
                new PsldConjugateSplitting(PsldConjugateSplitting.Scheme.CVV, 0),
                new PsldConjugateSplitting(PsldConjugateSplitting.Scheme.CVV, 1));
        int[] counts = {100, 200, 400, 800};
        java.util.Map<String, double[]> finalErrors = new java.util.HashMap<>();
        try (NDManager m = Backend.newManager()) {
            Backend.seedEngine(SEED);
            NDArray x = m.randomNormal(0, 1, new Shape(64, 1), DataType.FLOAT64);
            NDArray v = m.randomNormal(0, (float) Math.sqrt(PSLD.mass()), new Shape(64, 1), DataType.FLOAT64);
            NDArray start = PhaseState.join(x, v);
            DormandPrince solver = new DormandPrince(1e-8, 1e-10, DormandPrince.ErrorNorm.MAX, 1_000_000);
            NDArray exact = solver.solve((u, y) -> PhaseSampler.drift(PSLD, SCORE_1D, y, u), start, 1, FLOW_END)
                    .y();
            StringBuilder table = new StringBuilder("steps");
            for (int n : counts) {
                table.append(String.format(Locale.ROOT, " %9d", n));
            }
            for (PhaseSampler sampler : samplers) {
                double[] errors = new double[counts.length];
                double[] nfe = new double[counts.length];
                for (int k = 0; k < counts.length; k++) {
                    double[] times = new double[counts[k] + 1];
                    for (int i = 0; i <= counts[k]; i++) {
                        times[i] = 1 - (1 - FLOW_END) * i / counts[k];
                    }
                    NDArray out = sampler.sample(PSLD, SCORE_1D, start, times);
                    NDArray diff = PhaseState.position(out).sub(PhaseState.position(exact));
                    double[] each = diff.abs().toDoubleArray();
                    java.util.Arrays.sort(each);
                    errors[k] = each[each.length / 2];
                    nfe[k] = counts[k];
                }
                table.append(String.format(Locale.ROOT, "%n%-20s", sampler.name()));
                for (double e : errors) {
                    table.append(String.format(Locale.ROOT, " %9.2e", e));
                }
                double order = ConvergenceOrder.fit(java.util.Arrays.copyOfRange(nfe, 1, 4),
                        java.util.Arrays.copyOfRange(errors, 1, 4));
                table.append(String.format(Locale.ROOT, "  order %.2f", order));
                for (int k = 1; k < counts.length; k++) {
                    assertTrue(errors[k] < 0.8 * errors[k - 1], sampler.name() + " does not converge\n" + table);
                }
                assertEquals(1, order, 0.15, sampler.name() + "\n" + table);
                finalErrors.put(sampler.name(), errors);
            }
            System.out.println(table);
            double euler = finalErrors.get("euler")[3];
            assertTrue(finalErrors.get("rse")[3] < 0.2 * euler, "RSE at 800 calls vs Euler\n" + table);
            assertTrue(finalErrors.get("rvv")[2] < 0.2 * euler, "RVV at 800 calls vs Euler\n" + table);
        }
    }
}
