package org.diffusion4j.tune;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.Arrays;
import java.util.function.Consumer;
import org.apache.commons.math3.exception.TooManyEvaluationsException;
import org.apache.commons.math3.optim.InitialGuess;
import org.apache.commons.math3.optim.MaxEval;
import org.apache.commons.math3.optim.SimpleBounds;
import org.apache.commons.math3.optim.nonlinear.scalar.GoalType;
import org.apache.commons.math3.optim.nonlinear.scalar.ObjectiveFunction;
import org.apache.commons.math3.optim.nonlinear.scalar.noderiv.BOBYQAOptimizer;
import org.apache.commons.math3.optim.univariate.BrentOptimizer;
import org.apache.commons.math3.optim.univariate.SearchInterval;
import org.apache.commons.math3.optim.univariate.UnivariateObjectiveFunction;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.generate.Budget;
import org.diffusion4j.generate.GaussianGenerator;
import org.diffusion4j.generate.GenerationRequest;
import org.diffusion4j.generate.Generator;
import org.diffusion4j.grid.Grid;
import org.diffusion4j.grid.GridSpec;
import org.diffusion4j.sample.AdaptiveProbabilityFlow;
import org.diffusion4j.sample.NonFiniteSampleException;
import org.diffusion4j.sample.Sampler;
import org.diffusion4j.sample.SamplerRegistry;

/**
 * Chooses the noise levels of a deterministic sampler at a fixed NFE for one model, by minimising the distance
 * between what the sampler produces on that grid and a high-NFE reference solution from the same starting noise, on
 * a calibration batch — the teacher–student objective of LD3 (Tong, Hoang, Liu, Van den Broeck &amp; Niepert,
 * "Learning to Discretize Denoising Diffusion ODEs", ICLR 2025), here without LD3's soft teacher forcing and with a
 * derivative-free optimiser instead of back-propagation through the solver.
 *
 * <p>The method:
 * <ol>
 *   <li>The steps are the most the NFE budget pays for as the sampler counts its calls ({@link Budget}); the
 *   baseline grid (the model's, Karras 0.002 … 80, ρ = 7, unless told otherwise) is built at that step count, and
 *   its highest positive level σ_max stays fixed, and so does its lowest, σ_min, unless it is set free (then it
 *   may rise up to e⁶-fold and at most to √(σ_min·σ_max), never fall: the final step to 0 is then one denoiser
 *   call from a higher level).</li>
 *   <li>The reference ("teacher") is a sampler (the same one unless told otherwise) at a high NFE on a Karras grid
 *   between the same σ_max and the baseline's σ_min, run once from the calibration and validation starts.</li>
 *   <li>The m positive levels are parametrised by the m − 1 gaps in log σ: gap_j = log(σ_max/σ_min)·softmax(u)_j
 *   with u_0 = 0, so any u gives a strictly decreasing grid between the same ends, and the m − 2 free logits
 *   start at the baseline's gaps (u_j = log(gap_j/gap_0)); a free σ_min adds one coordinate.</li>
 *   <li>The objective is the RMS over all elements of (student − teacher) on the calibration batch: the sampler
 *   run over the candidate grid from each start, compared after its last step (the samples a user gets).</li>
 *   <li>Powell's BOBYQA (bound-constrained quadratic-model trust region, Apache Commons Math) minimises it, with
 *   logits within ±{@value #LOGIT_RANGE} of their start; Brent's method when there is one free coordinate; nothing
 *   to tune with fewer than three positive levels.</li>
 *   <li>Against overfitting to the calibration starts, the baseline and the tuned grid are both measured on a
 *   validation batch of other seeds, and the baseline is kept when the tuned grid is not better there.</li>
 * </ol>
 * Everything is deterministic: the same model, settings and seeds give the same grid.
 */
public final class GridTuner {
    /** How far (in log of the gap ratio) a logit may move from its start. */
    static final double LOGIT_RANGE = 8;

    private GridTuner() {}

    /**
     * What to tune.
     *
     * @param sampler the sampler spec the grid is for (deterministic, fixed-step)
     * @param nfe model calls per sample
     * @param baseline the grid to start from and to beat, or null for the model's default grid
     * @param finalZero whether the grid ends with σ = 0
     * @param freeSigmaMin whether the smallest positive level may rise above the baseline's (σ_max stays fixed)
     * @param calibration samples of the calibration batch (seeds {@code seed …})
     * @param validation samples of the validation batch (the seeds after the calibration ones)
     * @param seed the first calibration seed
     * @param reference the reference sampler spec, or null for {@code sampler}
     * @param referenceNfe the reference's model calls per sample
     * @param classLabel the class of every sample of a class-conditional model, or null for the classes in turn
     * @param guidance classifier-free guidance scale
     * @param dtype the working type
     * @param maxEvaluations the most objective evaluations (sampler runs on the calibration batch) the optimiser
     *     may make
     */
    public record Config(String sampler, int nfe, GridSpec baseline, boolean finalZero, boolean freeSigmaMin,
            int calibration,
            int validation, long seed, String reference, int referenceNfe, Integer classLabel, double guidance,
            DataType dtype, int maxEvaluations) {
        public Config {
            if (sampler == null || sampler.isBlank()) {
                throw new InvalidArgumentException("grid tuning needs a sampler");
            }
            if (nfe < 1) {
                throw new InvalidArgumentException("the NFE to tune for must be at least 1, got " + nfe);
            }
            if (calibration < 1 || validation < 1) {
                throw new InvalidArgumentException("the calibration and validation batches need at least 1 sample "
                        + "each, got " + calibration + " and " + validation);
            }
            if (freeSigmaMin && !finalZero) {
                throw new InvalidArgumentException("a free σ_min needs a grid that ends at 0: without the final "
                        + "denoiser call, a higher σ_min leaves that much noise in the samples");
            }
            if (referenceNfe <= nfe) {
                throw new InvalidArgumentException("the reference NFE (" + referenceNfe + ") must exceed the NFE "
                        + "being tuned (" + nfe + ")");
            }
            if (maxEvaluations < 1) {
                throw new InvalidArgumentException("the evaluation budget must be at least 1, got " + maxEvaluations);
            }
        }

        /** The default reference NFE for a budget: ten times it, at least 100. */
        public static int defaultReferenceNfe(int nfe) {
            return Math.max(100, 10 * nfe);
        }
    }

    /** Something the tuner reports: a phase starting, or one objective evaluation with the best so far. */
    public record Event(String phase, int evaluation, int maxEvaluations, double discrepancy, double best) {}

    /**
     * What tuning found. Discrepancies are RMS distances to the reference over all elements of the batch.
     *
     * @param sigmas the grid to use: the tuned one, or the baseline when tuning did not beat it on validation
     * @param tunedSigmas the grid the optimiser found (equal to {@code sigmas} unless the baseline was kept)
     * @param baselineSigmas the baseline grid
     * @param sampler the sampler's name
     * @param steps the sampler steps
     * @param evaluations model calls per sample of a run over the grid
     * @param referenceSteps the reference's steps
     * @param referenceEvaluations the reference's model calls per sample
     * @param baseline discrepancy of the baseline on the calibration batch
     * @param tuned discrepancy of the tuned grid on the calibration batch
     * @param validationBaseline discrepancy of the baseline on the validation batch
     * @param validationTuned discrepancy of the tuned grid on the validation batch
     * @param keptBaseline whether the baseline is kept (the tuned grid was not better on validation)
     * @param optimizer the method used ({@code BOBYQA}, {@code Brent} or {@code none})
     * @param objectiveEvaluations how many times the objective was evaluated
     * @param seconds the wall time of the whole tuning
     */
    public record Result(double[] sigmas, double[] tunedSigmas, double[] baselineSigmas, String sampler, int steps,
            long evaluations, int referenceSteps, long referenceEvaluations, double baseline, double tuned,
            double validationBaseline, double validationTuned, boolean keptBaseline, String optimizer,
            int objectiveEvaluations, double seconds) {}

    /**
     * Tunes the grid of {@code config} for {@code model}, which must be a Gaussian model; {@code progress} hears of
     * each phase and evaluation.
     */
    public static Result tune(Generator model, Config config, NDManager parent, Consumer<Event> progress) {
        if (!(model instanceof GaussianGenerator generator)) {
            throw new InvalidArgumentException("grid tuning needs a Gaussian model (its samplers walk a grid of "
                    + "noise levels); this one is " + model.kind());
        }
        long started = System.nanoTime();
        Sampler sampler = fixedStep(config.sampler(), generator);
        Sampler referenceSampler = config.reference() == null ? sampler
                : SamplerRegistry.create(config.reference(), generator.context());
        if (referenceSampler.isStochastic()) {
            throw new InvalidArgumentException("the reference sampler " + config.reference() + " is stochastic; it "
                    + "must solve the same probability flow from the same start");
        }
        int steps = Budget.nfe(config.nfe()).steps(n -> sampler.evaluations(n, config.finalZero()));
        GridSpec baselineSpec = config.baseline() == null ? generator.defaultGrid() : config.baseline();
        Grid baselineGrid = baselineSpec.build(steps, generator.context().schedule(), config.finalZero());
        double[] positive = positive(baselineGrid);
        double sigmaMax = positive[0];
        double sigmaMin = positive[positive.length - 1];

        try (NDManager manager = parent.newSubManager()) {
            long[] calibrationSeeds = GenerationRequest.consecutiveSeeds(config.seed(), config.calibration());
            long[] validationSeeds = GenerationRequest.consecutiveSeeds(config.seed() + config.calibration(),
                    config.validation());
            Batch calibration = new Batch(calibrationSeeds, classes(generator, config, 0));
            Batch validation = new Batch(validationSeeds, classes(generator, config, config.calibration()));

            progress.accept(new Event("reference", 0, 0, Double.NaN, Double.NaN));
            GridSpec referenceGrid = positive.length > 1 ? new GridSpec.Karras(sigmaMin, sigmaMax, 7)
                    : new GridSpec.Explicit(positive);
            String referenceSpec = config.reference() == null ? config.sampler() : config.reference();
            GenerationRequest referenceRequest = GenerationRequest.builder(calibrationSeeds).sampler(referenceSpec)
                    .nfe(config.referenceNfe()).grid(referenceGrid).finalZero(config.finalZero())
                    .guidance(config.guidance()).dtype(config.dtype()).build();
            Run calibrationReference = run(generator, referenceRequest, calibration, manager);
            Run validationReference = run(generator, referenceRequest, validation, manager);

            Objective objective = new Objective(generator, config, calibration, calibrationReference.samples(),
                    manager);
            progress.accept(new Event("baseline", 0, 0, Double.NaN, Double.NaN));
            long evaluations = sampler.evaluations(steps, config.finalZero());
            double baseline = objective.discrepancy(baselineGrid.sigmas(), calibration,
                    calibrationReference.samples());
            double validationBaseline = objective.discrepancy(baselineGrid.sigmas(), validation,
                    validationReference.samples());

            Parametrisation shape = new Parametrisation(positive, config.freeSigmaMin());
            double[] start = shape.start();
            int free = start.length;
            String method;
            Tracker tracker = new Tracker(objective, shape, config.maxEvaluations(), progress, baseline);
            progress.accept(new Event("tuning", 0, config.maxEvaluations(), baseline, baseline));
            if (free == 0) {
                method = "none";
            } else if (free == 1) {
                method = "Brent";
                try {
                    new BrentOptimizer(1e-6, 1e-4).optimize(new MaxEval(config.maxEvaluations()),
                            new UnivariateObjectiveFunction(u -> tracker.value(new double[] {u})), GoalType.MINIMIZE,
                            new SearchInterval(shape.lower()[0], shape.upper()[0], start[0]));
                } catch (TooManyEvaluationsException e) {
                    // the best point seen so far stands
                }
            } else {
                method = "BOBYQA";
                try {
                    new BOBYQAOptimizer(2 * free + 1, 0.5, 1e-3).optimize(new MaxEval(config.maxEvaluations()),
                            new ObjectiveFunction(tracker::value), GoalType.MINIMIZE, new InitialGuess(start),
                            new SimpleBounds(shape.lower(), shape.upper()));
                } catch (TooManyEvaluationsException e) {
                    // the best point seen so far stands
                }
            }
            double[] bestLogits = tracker.best(start);
            double[] tunedSigmas = full(shape.levels(bestLogits), config.finalZero());
            double tuned = tracker.bestValue(); // never above the baseline's: the tracker starts there
            if (!(tuned < baseline)) {
                tunedSigmas = baselineGrid.sigmas();
            }
            progress.accept(new Event("validation", tracker.count(), config.maxEvaluations(), tuned, tuned));
            double validationTuned = objective.discrepancy(tunedSigmas, validation, validationReference.samples());
            boolean keep = !(validationTuned < validationBaseline);
            return new Result(keep ? baselineGrid.sigmas() : tunedSigmas, tunedSigmas, baselineGrid.sigmas(),
                    sampler.name(), steps, evaluations, calibrationReference.steps(),
                    calibrationReference.evaluations(), baseline, tuned, validationBaseline, validationTuned, keep,
                    method, tracker.count(), (System.nanoTime() - started) / 1e9);
        }
    }

    /** The sampler of {@code spec}, refused unless it is deterministic and walks the grid step by step. */
    private static Sampler fixedStep(String spec, GaussianGenerator generator) {
        Sampler sampler = SamplerRegistry.create(spec, generator.context());
        if (sampler.isStochastic()) {
            throw new InvalidArgumentException("sampler " + spec + " is stochastic; grid tuning compares a run with "
                    + "a reference solution of the same probability flow, so it needs a deterministic sampler (e.g. "
                    + "dpmpp-2m, heun, unipc, or an SDE sampler with eta=0)");
        }
        if (sampler instanceof AdaptiveProbabilityFlow) {
            throw new InvalidArgumentException("sampler " + spec + " chooses its own steps; only its grid's ends "
                    + "matter, so there is no grid to tune");
        }
        return sampler;
    }

    /** The classes of samples {@code offset …} of a batch: one fixed class, the classes in turn, or none. */
    private static int[] classes(GaussianGenerator generator, Config config, int offset) {
        int classes = generator.classes();
        if (classes == 0) {
            if (config.classLabel() != null) {
                throw new InvalidArgumentException("a class was given but the model is unconditional");
            }
            return null;
        }
        int count = offset == 0 ? config.calibration() : config.validation();
        int[] out = new int[count];
        for (int i = 0; i < count; i++) {
            out[i] = config.classLabel() != null ? config.classLabel() : (offset + i) % classes;
        }
        return out;
    }

    /** The positive levels of a grid. */
    private static double[] positive(Grid grid) {
        double[] sigmas = grid.sigmas();
        return grid.endsAtZero() ? Arrays.copyOf(sigmas, sigmas.length - 1) : sigmas;
    }

    /**
     * The tuner's coordinates for m positive levels: the m − 2 logits u_1 … u_{m−2} of the log-σ gaps
     * (gap_j = log(σ_max/σ_min)·softmax(0, u)_j, so the levels are strictly decreasing whatever u is), and with a free
     * σ_min one more coordinate s, σ_min = σ_min⁰·e^s for s in [0, min(6, ½·log(σ_max/σ_min⁰))].
     *
     * @param baseline the baseline's positive levels (its ends are σ_max and σ_min⁰)
     * @param freeSigmaMin whether σ_min may rise above the baseline's
     */
    record Parametrisation(double[] baseline, boolean freeSigmaMin) {
        /** The most s may be: σ_min rises at most e⁶ ≈ 400-fold. */
        static final double SIGMA_MIN_RANGE = 6;

        Parametrisation {
            baseline = baseline.clone();
        }

        private int logitCount() {
            return Math.max(0, baseline.length - 2);
        }

        private boolean sigmaMinFree() {
            return freeSigmaMin && baseline.length >= 2;
        }

        /** The coordinates of the baseline: u_j = log(gap_j/gap_0), and s = 0. */
        double[] start() {
            int logits = logitCount();
            double[] out = new double[logits + (sigmaMinFree() ? 1 : 0)];
            if (logits > 0) {
                double first = Math.log(baseline[0]) - Math.log(baseline[1]);
                for (int j = 1; j <= logits; j++) {
                    out[j - 1] = Math.log((Math.log(baseline[j]) - Math.log(baseline[j + 1])) / first);
                }
            }
            return out;
        }

        double[] lower() {
            double[] out = start();
            for (int i = 0; i < logitCount(); i++) {
                out[i] -= LOGIT_RANGE;
            }
            return out;
        }

        double[] upper() {
            double[] out = start();
            for (int i = 0; i < logitCount(); i++) {
                out[i] += LOGIT_RANGE;
            }
            if (sigmaMinFree()) {
                out[out.length - 1] = Math.min(SIGMA_MIN_RANGE,
                        0.5 * Math.log(baseline[0] / baseline[baseline.length - 1]));
            }
            return out;
        }

        /** The positive levels at {@code x}: from the baseline's σ_max to σ_min (the baseline's, or raised by s). */
        double[] levels(double[] x) {
            int m = baseline.length;
            double[] out = baseline.clone();
            if (m < 2) {
                return out;
            }
            double logMax = Math.log(baseline[0]);
            double logMin = Math.log(baseline[m - 1]) + (sigmaMinFree() ? x[x.length - 1] : 0);
            out[m - 1] = sigmaMinFree() ? Math.exp(logMin) : baseline[m - 1];
            double peak = 0;
            for (int i = 0; i < logitCount(); i++) {
                peak = Math.max(peak, x[i]);
            }
            double[] weights = new double[m - 1];
            double total = 0;
            for (int j = 0; j < m - 1; j++) {
                weights[j] = Math.exp((j == 0 ? 0 : x[j - 1]) - peak);
                total += weights[j];
            }
            double cumulative = 0;
            for (int j = 1; j < m - 1; j++) {
                cumulative += weights[j - 1] / total;
                out[j] = Math.exp(logMax - cumulative * (logMax - logMin));
            }
            return out;
        }
    }

    private static double[] full(double[] positive, boolean finalZero) {
        return finalZero ? Arrays.copyOf(positive, positive.length + 1) : positive.clone();
    }

    /** Starts (by seed) and classes of a batch. */
    private record Batch(long[] seeds, int[] classes) {}

    /** One run's samples (float64, in the tuner's manager), steps and calls per sample. */
    private record Run(NDArray samples, int steps, long evaluations) {}

    private static Run run(GaussianGenerator generator, GenerationRequest request, Batch batch, NDManager manager) {
        try (NDManager m = manager.newSubManager()) {
            var g = generator.generate(request.forSamples(batch.seeds(), batch.classes()), m);
            NDArray samples = g.samples().toType(DataType.FLOAT64, false);
            samples.attach(manager);
            return new Run(samples, g.steps(), g.evaluations());
        }
    }

    /** The objective: RMS distance between the sampler over a grid and the reference, on one batch. */
    private static final class Objective {
        private final GaussianGenerator generator;
        private final Config config;
        private final Batch calibration;
        private final NDArray reference;
        private final NDManager manager;

        Objective(GaussianGenerator generator, Config config, Batch calibration, NDArray reference,
                NDManager manager) {
            this.generator = generator;
            this.config = config;
            this.calibration = calibration;
            this.reference = reference;
            this.manager = manager;
        }

        GenerationRequest request(double[] sigmas) {
            double[] positive = config.finalZero() ? Arrays.copyOf(sigmas, sigmas.length - 1) : sigmas;
            return GenerationRequest.builder(calibration.seeds()).classes(calibration.classes())
                    .sampler(config.sampler()).nfe(config.nfe()).grid(new GridSpec.Explicit(positive))
                    .finalZero(config.finalZero()).guidance(config.guidance()).dtype(config.dtype()).build();
        }

        /** The discrepancy on the calibration batch of the grid of these positive levels (+∞ for a failed run). */
        double calibration(double[] positive) {
            return discrepancy(full(positive, config.finalZero()), calibration, reference);
        }

        double discrepancy(double[] sigmas, Batch batch, NDArray against) {
            try (NDManager m = manager.newSubManager()) {
                NDArray samples = generator.generate(request(sigmas).forSamples(batch.seeds(), batch.classes()), m)
                        .samples().toType(DataType.FLOAT64, false);
                NDArray diff = samples.sub(against);
                return Math.sqrt(diff.mul(diff).mean().getDouble());
            } catch (NonFiniteSampleException e) {
                return Double.POSITIVE_INFINITY;
            }
        }
    }

    /** Counts evaluations, keeps the best point seen, and reports each evaluation. */
    private static final class Tracker {
        /** What the optimiser sees for a run that failed: far worse than any real discrepancy. */
        private static final double FAILED = 1e30;

        private final Objective objective;
        private final Parametrisation shape;
        private final int max;
        private final Consumer<Event> progress;
        private double bestValue;
        private double[] best;
        private int count;

        Tracker(Objective objective, Parametrisation shape, int max, Consumer<Event> progress, double start) {
            this.objective = objective;
            this.shape = shape;
            this.max = max;
            this.progress = progress;
            this.bestValue = start;
        }

        double value(double[] logits) {
            double value = objective.calibration(shape.levels(logits));
            count++;
            if (value < bestValue) {
                bestValue = value;
                best = logits.clone();
            }
            progress.accept(new Event("tuning", count, max, value, bestValue));
            return Double.isFinite(value) ? value : FAILED;
        }

        double[] best(double[] start) {
            return best == null ? start : best;
        }

        double bestValue() {
            return bestValue;
        }

        int count() {
            return count;
        }
    }
}
