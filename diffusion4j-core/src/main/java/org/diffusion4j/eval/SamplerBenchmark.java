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
import org.diffusion4j.backend.NativeArrays;
import org.diffusion4j.denoise.Denoiser;
import org.diffusion4j.denoise.GaussianMixture;
import org.diffusion4j.denoise.GaussianMixtureDenoiser;
import org.diffusion4j.generate.Budget;
import org.diffusion4j.generate.GaussianGenerator;
import org.diffusion4j.generate.Generation;
import org.diffusion4j.generate.GenerationRequest;
import org.diffusion4j.generate.Generators;
import org.diffusion4j.grid.Grid;
import org.diffusion4j.grid.GridSpec;
import org.diffusion4j.ode.DormandPrince;
import org.diffusion4j.ode.ProbabilityFlow;
import org.diffusion4j.process.NoiseSchedule;
import org.diffusion4j.process.VeSchedule;
import org.diffusion4j.sample.GaussianNoise;
import org.diffusion4j.sample.Sampler;
import org.diffusion4j.sample.SamplerRegistry;
import org.diffusion4j.sample.SamplingContext;
import org.diffusion4j.sample.StepCallback;

/**
 * Measures samplers against the exact answers of a Gaussian mixture: for each sampler and NFE budget, the distance
 * to the exact probability-flow solution from the same start ({@code flow_rmse}), the negative log-likelihood of the
 * samples under the true data density ({@code nll}) and their sliced Wasserstein distance to exact draws
 * ({@code swd}); then, for deterministic samplers, the convergence order fitted to flow_rmse over NFE.
 *
 * <p>The exact flow is the probability-flow ODE solved in float64 by {@link DormandPrince} with every element
 * within {@link Config#referenceTolerance} (max-norm), from σ_max down to the grid's smallest positive level σ_min.
 * flow_rmse compares it with the sampler's state at σ_min: for a grid ending at 0, the state of the last step (the
 * one the final denoiser call sees), so it measures the integration over [σ_min, σ_max] and not the last step to
 * σ = 0 (which is one denoiser call, x ← D(x; σ_min), for every sampler but lms, whose extrapolated last step would
 * otherwise add a constant of order σ_min² to its error).
 */
public final class SamplerBenchmark {
    private SamplerBenchmark() {}

    /**
     * What to measure.
     *
     * @param mixture the data distribution
     * @param schedule the process the samplers see the denoiser through
     * @param grid where the levels go (its endpoints fix the reference)
     * @param samplers sampler specs ({@link SamplerRegistry})
     * @param nfe the NFE budgets; each sampler takes the most steps whose calls fit ({@link Budget})
     * @param samples number of samples (and of exact draws for SWD)
     * @param seed seed of the first sample (sample i uses seed + i); also fixes the exact draws and projections
     * @param type float64 for measuring orders, float32 to see what networks get
     * @param referenceTolerance rtol = atol of the reference solve (at most 1e-10)
     * @param fitPoints the order is fitted over the last {@code fitPoints} NFE budgets
     * @param projections directions of the sliced Wasserstein distance
     */
    public record Config(GaussianMixture mixture, NoiseSchedule schedule, GridSpec grid, List<String> samplers,
            List<Integer> nfe, int samples, long seed, DataType type, double referenceTolerance, int fitPoints,
            int projections) {
        public Config {
            samplers = List.copyOf(samplers);
            nfe = nfe.stream().sorted().distinct().toList();
            if (samplers.isEmpty() || nfe.isEmpty()) {
                throw new InvalidArgumentException("the benchmark needs at least one sampler and one NFE budget");
            }
            if (nfe.get(0) < 1 || samples < 2 || fitPoints < 2 || projections < 1) {
                throw new InvalidArgumentException("need NFE ≥ 1, samples ≥ 2, fit points ≥ 2, projections ≥ 1");
            }
            if (!(referenceTolerance > 0 && referenceTolerance <= 1e-10)) {
                throw new InvalidArgumentException("the reference tolerance must lie in (0, 1e-10], got "
                        + referenceTolerance);
            }
            for (String spec : samplers) {
                SamplerRegistry.create(spec, SamplingContext.of(schedule));
            }
        }

        /**
         * A benchmark of {@code samplers} at the {@code nfe} budgets on {@code mixture}, with the defaults of
         * {@code d4j bench samplers}: EDM process, Karras grid 0.002 … 80 (ρ = 7), 2048 samples from seed 0, float64,
         * reference tolerance 1e-10, order fitted over the last 3 budgets, 128 projections.
         */
        public static Builder builder(GaussianMixture mixture, List<String> samplers, List<Integer> nfe) {
            return new Builder(mixture, samplers, nfe);
        }
    }

    /** Builds a {@link Config}; every setter names the field it sets. */
    public static final class Builder {
        private final GaussianMixture mixture;
        private final List<String> samplers;
        private final List<Integer> nfe;
        private NoiseSchedule schedule = new VeSchedule();
        private GridSpec grid = new GridSpec.Karras(0.002, 80, 7);
        private int samples = 2048;
        private long seed;
        private DataType type = DataType.FLOAT64;
        private double referenceTolerance = 1e-10;
        private int fitPoints = 3;
        private int projections = 128;

        private Builder(GaussianMixture mixture, List<String> samplers, List<Integer> nfe) {
            this.mixture = mixture;
            this.samplers = samplers;
            this.nfe = nfe;
        }

        public Builder schedule(NoiseSchedule value) {
            schedule = value;
            return this;
        }

        public Builder grid(GridSpec value) {
            grid = value;
            return this;
        }

        public Builder samples(int value) {
            samples = value;
            return this;
        }

        public Builder seed(long value) {
            seed = value;
            return this;
        }

        public Builder type(DataType value) {
            type = value;
            return this;
        }

        public Builder referenceTolerance(double value) {
            referenceTolerance = value;
            return this;
        }

        public Builder fitPoints(int value) {
            fitPoints = value;
            return this;
        }

        public Builder projections(int value) {
            projections = value;
            return this;
        }

        public Config build() {
            return new Config(mixture, schedule, grid, samplers, nfe, samples, seed, type, referenceTolerance,
                    fitPoints, projections);
        }
    }

    /** One measurement. */
    public record Row(String sampler, int nfe, int steps, double flowRmse, double nll, double swd) {}

    /** A fitted order; {@code expected} is the order theory gives (NaN if none is claimed). */
    public record Order(String sampler, double order, double expected) {}

    /** Everything measured, with the baselines a reader needs to judge nll and swd. */
    public record Report(List<Row> results, List<Order> orders, double exactNll, double swdFloor,
            int referenceEvaluations, double sigmaMin, double sigmaMax) {}

    /** Runs the benchmark; {@code progress} hears about each finished row. */
    public static Report run(Config config, NDManager parent, Consumer<Row> progress) {
        try (NDManager manager = parent.newSubManager()) {
            GaussianMixtureDenoiser exact = new GaussianMixtureDenoiser(config.mixture(), config.schedule());
            Denoiser denoiser = exact.edmView();
            int n = config.samples();
            int dim = config.mixture().dimension();
            long[] seeds = new long[n];
            for (int i = 0; i < n; i++) {
                seeds[i] = config.seed() + i;
            }
            Grid probe = config.grid().build(config.nfe().get(0), config.schedule(), true);
            double sigmaMax = probe.sigmaMax();
            double sigmaMin = probe.sigmaMin();

            double[][] exactDraws = config.mixture().sample(n, new SplittableRandom(config.seed() ^ 0x5eedL));
            double[][] secondDraws = config.mixture().sample(n, new SplittableRandom(config.seed() ^ 0xf100dL));
            double swdFloor = SlicedWasserstein.distance(exactDraws, secondDraws, config.projections(), config.seed());
            double exactNll = nll(config.mixture(), exactDraws, manager);

            NDArray start = GaussianNoise.perSample(seeds).latents(manager, new Shape(n, dim), DataType.FLOAT64,
                    sigmaMax);
            DormandPrince solver = new DormandPrince(config.referenceTolerance(), config.referenceTolerance(),
                    DormandPrince.ErrorNorm.MAX, 1_000_000);
            DormandPrince.Solution flow = ProbabilityFlow.solve(denoiser, start, sigmaMax, sigmaMin, solver);

            List<Row> rows = new ArrayList<>();
            List<Order> orders = new ArrayList<>();
            GaussianGenerator generator = Generators.of(denoiser, config.schedule(), new Shape(dim));
            for (String spec : config.samplers()) {
                Sampler sampler = SamplerRegistry.create(spec, SamplingContext.of(config.schedule()));
                List<Row> own = new ArrayList<>();
                for (int budget : config.nfe()) {
                    try (NDManager run = manager.newSubManager()) {
                        NDArray[] atSigmaMin = new NDArray[1];
                        StepCallback capture = info -> {
                            if (info.step() == info.steps() - 1) {
                                atSigmaMin[0] = NativeArrays.copy(info.x(), DataType.FLOAT64);
                                atSigmaMin[0].attach(run);
                            }
                        };
                        Generation result = generator.generate(GenerationRequest.builder(seeds).sampler(spec)
                                .nfe(budget).grid(config.grid()).dtype(config.type()).callback(capture).build(), run);
                        NDArray samples = result.samples().toType(DataType.FLOAT64, false);
                        double[][] points = rows(samples.toDoubleArray(), n, dim);
                        Row row = new Row(spec, (int) result.evaluations(), result.steps(),
                                rmse(atSigmaMin[0], flow.y()),
                                nll(config.mixture(), points, run),
                                SlicedWasserstein.distance(points, exactDraws, config.projections(), config.seed()));
                        own.add(row);
                        progress.accept(row);
                    }
                }
                rows.addAll(own);
                if (!sampler.isStochastic()) {
                    orders.add(new Order(spec, fit(own, config.fitPoints()), TheoreticalOrder.of(sampler)));
                }
            }
            return new Report(rows, orders, exactNll, swdFloor, flow.evaluations(), sigmaMin, sigmaMax);
        }
    }

    private static double fit(List<Row> rows, int points) {
        List<Row> tail = rows.subList(Math.max(0, rows.size() - points), rows.size());
        if (tail.size() < 2 || tail.stream().anyMatch(r -> !(r.flowRmse() > 0))) {
            return Double.NaN;
        }
        return ConvergenceOrder.fit(tail.stream().mapToDouble(Row::nfe).toArray(),
                tail.stream().mapToDouble(Row::flowRmse).toArray());
    }

    private static double rmse(NDArray a, NDArray b) {
        NDArray diff = a.sub(b);
        return Math.sqrt(diff.mul(diff).mean().getDouble());
    }

    private static double nll(GaussianMixture mixture, double[][] points, NDManager manager) {
        try (NDManager m = manager.newSubManager()) {
            double[] flat = new double[points.length * points[0].length];
            for (int i = 0; i < points.length; i++) {
                System.arraycopy(points[i], 0, flat, i * points[0].length, points[0].length);
            }
            NDArray x = m.create(flat, new Shape(points.length, points[0].length));
            return -mixture.logDensity(x, 1, 0).mean().getDouble();
        }
    }

    private static double[][] rows(double[] flat, int n, int dim) {
        double[][] out = new double[n][dim];
        for (int i = 0; i < n; i++) {
            System.arraycopy(flat, i * dim, out[i], 0, dim);
        }
        return out;
    }
}
