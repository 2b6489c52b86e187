package org.diffusion4j.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.denoise.GaussianMixture;
import org.diffusion4j.generate.Budget;
import org.diffusion4j.ode.DormandPrince;
import org.diffusion4j.phase.PhaseSampler;
import org.diffusion4j.phase.PhaseScore;
import org.diffusion4j.phase.PhaseState;
import org.diffusion4j.phase.Psld;
import org.diffusion4j.phase.PsldConjugate;
import org.diffusion4j.phase.PsldConjugateOba;
import org.diffusion4j.phase.PsldConjugateSplitting;
import org.diffusion4j.phase.PsldEuler;
import org.diffusion4j.phase.PsldEulerMaruyama;
import org.diffusion4j.phase.PsldMixtureScore;
import org.diffusion4j.phase.PsldOba;
import org.diffusion4j.phase.PsldSplitting;
import org.diffusion4j.phase.PsldSscs;
import org.diffusion4j.sample.GaussianNoise;

/**
 * Every PSLD integrator on mixture data with the exact phase-space score, at equal NFE: from t = 1 (exact draws of
 * the marginal) to {@code end} on PSLD's quadratic time grid, the x-error to the exact probability-flow solution
 * (deterministic integrators; Dormand–Prince at 1e-8) and the sliced Wasserstein distance of x to exact draws of
 * the data (all). λ of the conjugate integrator and of the conjugate splittings CSE and CVV, and λ_s of ROBA, are
 * searched over fixed lists; the table keeps the best value per budget (by flow error, and by distance for ROBA) and
 * says which it was. COBA takes ROBA's best λ_s at that budget and searches λ (by distance).
 *
 * @param mixture the data
 * @param process the PSLD process
 * @param nfe the budgets
 * @param samples draws per run
 * @param end the last time (PSLD samples to 10⁻³)
 * @param seed seed of the draws and the noise
 */
public record PhaseBenchmark(GaussianMixture mixture, Psld process, List<Integer> nfe, int samples, double end,
        long seed) {

    /** λ values searched for the conjugate integrator. */
    public static final List<Double> LAMBDAS = List.of(0.0, 0.25, 0.5, 1.0, 2.0, 4.0);
    /** λ_s values searched for ROBA. */
    public static final List<Double> NOISE_CONTROLS = List.of(0.0, 0.25, 0.5, 1.0);

    public PhaseBenchmark {
        if (!(end > 0 && end < 1) || samples < 2 || nfe.isEmpty()) {
            throw new InvalidArgumentException("phase benchmark needs 0 < end < 1, at least 2 samples and a budget");
        }
    }

    /** One integrator at one budget; {@code parameter} is the searched λ or λ_s (NaN when none). */
    public record Row(String integrator, int nfe, int steps, double parameter, double flowError, double swd) {}

    /** The rows, and the distance between two exact sets of the same size (the floor). */
    public record Report(List<Row> rows, double swdFloor) {}

    /** Runs every integrator at every budget; {@code progress} sees each row. */
    public Report run(NDManager manager, Consumer<Row> progress) {
        PsldMixtureScore score = new PsldMixtureScore(mixture, process);
        int d = mixture.dimension();
        NDArray start = manager.create(score.sample(1, samples, new SplittableRandom(seed)),
                new Shape(samples, 2L * d));
        DormandPrince solver = new DormandPrince(1e-8, 1e-10, DormandPrince.ErrorNorm.MAX, 1_000_000);
        NDArray exact = solver.solve((u, y) -> PhaseSampler.drift(process, score, y, u), start, 1, end).y();
        double[][] data = mixture.sample(samples, new SplittableRandom(seed + 1));
        double floor = SlicedWasserstein.distance(mixture.sample(samples, new SplittableRandom(seed + 2)), data, 64,
                seed);
        List<Row> rows = new ArrayList<>();
        for (int budget : nfe) {
            add(rows, progress, "euler", budget, Double.NaN, new PsldEuler(), score, start, exact, data);
            Row best = null;
            for (double lambda : LAMBDAS) {
                Row r = measure("conjugate", budget, lambda, new PsldConjugate(lambda), score, start, exact, data);
                best = best == null || r.flowError() < best.flowError() ? r : best;
            }
            rows.add(best);
            progress.accept(best);
            for (PsldSplitting.Scheme scheme : PsldSplitting.Scheme.values()) {
                PsldSplitting splitting = new PsldSplitting(scheme);
                add(rows, progress, splitting.name(), budget, Double.NaN, splitting,
                        score, start, exact, data);
            }
            for (PsldConjugateSplitting.Scheme scheme : PsldConjugateSplitting.Scheme.values()) {
                Row bestHybrid = null;
                for (double lambda : LAMBDAS) {
                    PsldConjugateSplitting hybrid = new PsldConjugateSplitting(scheme, lambda);
                    Row r = measure(scheme.name().toLowerCase(java.util.Locale.ROOT), budget, lambda, hybrid, score,
                            start, exact, data);
                    bestHybrid = bestHybrid == null || r.flowError() < bestHybrid.flowError() ? r : bestHybrid;
                }
                rows.add(bestHybrid);
                progress.accept(bestHybrid);
            }
            add(rows, progress, "euler-maruyama", budget, Double.NaN, new PsldEulerMaruyama(), score, start,
                    exact, data);
            add(rows, progress, "sscs", budget, Double.NaN, new PsldSscs(), score, start, exact, data);
            Row bestRoba = null;
            for (double lambda : NOISE_CONTROLS) {
                Row r = measure("roba", budget, lambda, new PsldOba(lambda, true), score, start, exact, data);
                bestRoba = bestRoba == null || r.swd() < bestRoba.swd() ? r : bestRoba;
            }
            rows.add(bestRoba);
            progress.accept(bestRoba);
            Row bestCoba = null;
            for (double lambda : LAMBDAS) {
                Row r = measure("coba", budget, lambda, new PsldConjugateOba(lambda, bestRoba.parameter()), score,
                        start, exact, data);
                bestCoba = bestCoba == null || r.swd() < bestCoba.swd() ? r : bestCoba;
            }
            rows.add(bestCoba);
            progress.accept(bestCoba);
            add(rows, progress, "noba", budget, 1, new PsldOba(1, false), score, start, exact, data);
        }
        return new Report(rows, floor);
    }

    private void add(List<Row> rows, Consumer<Row> progress, String name, int budget, double parameter,
            PhaseSampler sampler, PhaseScore score, NDArray start, NDArray exact, double[][] data) {
        Row row = measure(name, budget, parameter, sampler, score, start, exact, data);
        rows.add(row);
        progress.accept(row);
    }

    private Row measure(String name, int budget, double parameter, PhaseSampler sampler,
            PhaseScore score, NDArray start, NDArray exact, double[][] data) {
        int steps = Budget.nfe(budget).steps(n -> (long) sampler.evaluationsPerStep() * n);
        try (NDManager m = start.getManager().newSubManager()) {
            NDArray out = sampler.sample(process, score, start, PhaseSampler.quadraticTimes(steps, end),
                    GaussianNoise.consecutive(seed + 7, samples));
            out.attach(m);
            NDArray x = PhaseState.position(out);
            double flow = Double.NaN;
            if (!sampler.isStochastic()) {
                NDArray diff = x.sub(PhaseState.position(exact));
                flow = Math.sqrt(diff.mul(diff).mean().toType(DataType.FLOAT64, false).getDouble());
            }
            double[] flat = x.toType(DataType.FLOAT64, false).toDoubleArray();
            int d = mixture.dimension();
            double[][] points = new double[samples][d];
            for (int i = 0; i < samples; i++) {
                System.arraycopy(flat, i * d, points[i], 0, d);
            }
            double swd = Double.isFinite(flat[0]) ? SlicedWasserstein.distance(points, data, 64, seed) : Double.NaN;
            return new Row(name, budget, steps, parameter, flow, swd);
        }
    }
}
