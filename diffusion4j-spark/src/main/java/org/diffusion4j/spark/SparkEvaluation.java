package org.diffusion4j.spark;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.Serializable;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.ShapeMismatchException;
import org.diffusion4j.data.ImageSet;
import org.diffusion4j.denoise.GaussianMixture;
import org.diffusion4j.eval.Classifier;
import org.diffusion4j.eval.FrechetDistance;
import org.diffusion4j.eval.ModelEvaluation;
import org.diffusion4j.generate.Generation;
import org.diffusion4j.generate.Generator;
import org.diffusion4j.train.ModelSource;

/**
 * Distributed evaluation of one or more sampler cells (sampler, budget) as one Spark job: every (cell, seed block)
 * pair is a task element; an executor generates the block, takes its features (the bundled classifier's feature
 * layer for images, the coordinates themselves for low-dimensional data), the classifier's hits on the classes asked
 * for and the NLL under the true mixture, and Spark's tree aggregation sums them per cell. The sums are exact
 * ({@link Moments}), so every metric is the same bits whatever the partitioning; the driver turns them into the
 * Fréchet distance against the same real set {@code d4j eval} uses ({@link ModelEvaluation#realSets}), with the
 * real-vs-real floor beside it.
 *
 * <p>Precision/recall, sliced Wasserstein and MMD need all samples in one place and are left to {@code d4j eval}.
 */
public final class SparkEvaluation {
    private SparkEvaluation() {}

    /**
     * How samples are measured, known to executors.
     *
     * @param classifier the dataset whose bundled classifier gives features and predictions, or null (features are
     *     the samples themselves)
     * @param mixture a {@code gmm:} spec whose exact density gives the NLL, or null
     */
    public record Measures(String classifier, String mixture) implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    /**
     * The measurements of one cell; NaN where a measure does not apply.
     *
     * @param settings the cell
     * @param sampler the sampler's name
     * @param steps the sampler steps taken
     * @param evaluations model calls per sample
     * @param samples how many samples were measured
     * @param frechet the Fréchet distance to the real set
     * @param frechetFloor the same distance between two disjoint real sets of that size
     * @param classAccuracy the fraction the classifier assigns to the class asked for (conditional models)
     * @param nll the mean negative log-likelihood under the true mixture
     * @param nllFloor the same for real samples
     */
    public record CellResult(Settings settings, String sampler, int steps, long evaluations, long samples,
            double frechet, double frechetFloor, double classAccuracy, double nll, double nllFloor) {}

    /** One (cell, block) pair: the unit of work. */
    private record Task(int cell, SeedBlocks.Block block) implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    /** What one task measured. */
    private record BlockStats(int cell, Moments moments, long correct, BigDecimal nll, long evaluations, int steps,
            String sampler) implements Serializable {
        private static final long serialVersionUID = 1L;

        BlockStats plus(BlockStats other) {
            if (other == null) {
                return this;
            }
            return new BlockStats(cell, moments.plus(other.moments), correct + other.correct,
                    nll.add(other.nll), evaluations, steps, sampler);
        }
    }

    /** The per-cell sums of a tree aggregation (exact, so any merge order gives the same totals). */
    private record Totals(List<BlockStats> cells) implements Serializable {
        private static final long serialVersionUID = 1L;

        static Totals empty(int n) {
            List<BlockStats> cells = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                cells.add(null);
            }
            return new Totals(cells);
        }

        Totals add(BlockStats stats) {
            List<BlockStats> out = new ArrayList<>(cells);
            BlockStats current = out.get(stats.cell());
            out.set(stats.cell(), current == null ? stats : current.plus(stats));
            return new Totals(out);
        }

        Totals merge(Totals other) {
            Totals out = this;
            for (BlockStats s : other.cells) {
                if (s != null) {
                    out = out.add(s);
                }
            }
            return out;
        }
    }

    /**
     * Evaluates every cell on the samples of {@code blocks}, measured against {@code data}.
     *
     * @param threads the engine's intra-op threads per task
     */
    public static List<CellResult> run(SparkSession spark, ModelSource model, List<Settings> cells, SeedBlocks blocks,
            int partitions, int threads, ImageSet data, Measures measures) {
        if (cells.isEmpty()) {
            throw new InvalidArgumentException("no sampler cells to evaluate");
        }
        Generator generator = ExecutorModels.generator(model);
        cells.forEach(c -> c.check(generator));
        if (!generator.sampleShape().equals(data.sampleShape())) {
            throw new ShapeMismatchException(model.name() + " draws samples of shape " + generator.sampleShape()
                    + " but the reference data has samples of shape " + data.sampleShape());
        }
        int n = blocks.n();
        ModelEvaluation.RealSets real = ModelEvaluation.realSets(data, n, blocks.first());
        List<Task> tasks = new ArrayList<>();
        for (SeedBlocks.Block b : blocks.blocks()) {
            for (int c = 0; c < cells.size(); c++) {
                tasks.add(new Task(c, b));
            }
        }
        JavaRDD<Task> rdd = JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(tasks, partitions);
        JavaRDD<BlockStats> stats = rdd.mapPartitions(it -> ExecutorModels.inTask(threads, () -> {
            List<BlockStats> out = new ArrayList<>();
            while (it.hasNext()) {
                Task t = it.next();
                out.add(measure(model, cells.get(t.cell()), t, measures));
            }
            return out;
        }).iterator());
        int size = cells.size();
        Totals totals = SparkJobs.call(() -> stats.treeAggregate(Totals.empty(size), Totals::add, Totals::merge, 2));

        Moments realMoments = Moments.of(features(measures, real.a(), n, data.sampleSize()));
        Moments floorMoments = Moments.of(features(measures, real.b(), n, data.sampleSize()));
        double floor = FrechetDistance.between(realMoments.mean(), realMoments.covariance(), floorMoments.mean(),
                floorMoments.covariance());
        double nllFloor = Double.NaN;
        if (measures.mixture() != null) {
            nllFloor = nllSum(ModelSource.mixture(measures.mixture()), real.a(), n, data.sampleShape()).divide(
                    BigDecimal.valueOf(n), MathContext.DECIMAL128).doubleValue();
        }
        List<CellResult> results = new ArrayList<>();
        for (int c = 0; c < size; c++) {
            BlockStats s = totals.cells().get(c);
            Moments m = s.moments();
            double fd = FrechetDistance.between(realMoments.mean(), realMoments.covariance(), m.mean(),
                    m.covariance());
            double accuracy = measures.classifier() != null && generator.classes() > 0 ? (double) s.correct() / n
                    : Double.NaN;
            double nll = measures.mixture() != null ? s.nll().divide(BigDecimal.valueOf(n), MathContext.DECIMAL128)
                    .doubleValue() : Double.NaN;
            results.add(new CellResult(cells.get(c), s.sampler(), s.steps(), s.evaluations(), m.count(), fd, floor,
                    accuracy, nll, nllFloor));
        }
        return results;
    }

    private static BlockStats measure(ModelSource model, Settings settings, Task task, Measures measures) {
        Generator generator = ExecutorModels.generator(model);
        SeedBlocks.Block block = task.block();
        int[] classes = block.classes(generator.classes(), settings.fixedClass());
        try (NDManager manager = ExecutorModels.taskManager()) {
            Generation g = generator.generate(settings.request(block.seeds(), classes), manager);
            float[] values = g.samples().toType(DataType.FLOAT32, false).toFloatArray();
            int per = values.length / block.count();
            long correct = 0;
            if (measures.classifier() != null && classes != null) {
                int[] predicted = ExecutorModels.classifier(measures.classifier()).predict(values, block.count());
                for (int i = 0; i < predicted.length; i++) {
                    correct += predicted[i] == classes[i] ? 1 : 0;
                }
            }
            BigDecimal nll = measures.mixture() == null ? BigDecimal.ZERO : nllSum(ModelSource.mixture(
                    measures.mixture()), values, block.count(), generator.sampleShape());
            return new BlockStats(task.cell(), Moments.of(features(measures, values, block.count(), per)), correct,
                    nll, g.evaluations(), g.steps(), g.sampler());
        }
    }

    /** The classifier's features of {@code n} samples, or the samples themselves as float64 rows. */
    private static double[][] features(Measures measures, float[] values, int n, int per) {
        if (measures.classifier() != null) {
            Classifier classifier = ExecutorModels.classifier(measures.classifier());
            return classifier.features(values, n);
        }
        double[][] rows = new double[n][per];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < per; j++) {
                rows[i][j] = values[i * per + j];
            }
        }
        return rows;
    }

    /** The sum of −log p(x) over the samples, in sample order, held exactly. */
    private static BigDecimal nllSum(GaussianMixture mixture, float[] values, int n, Shape sample) {
        try (NDManager manager = ExecutorModels.taskManager()) {
            NDArray x = manager.create(values, new Shape(n).addAll(sample)).toType(DataType.FLOAT64, false);
            double sum = 0;
            for (double logP : mixture.logDensity(x, 1, 0).toDoubleArray()) {
                sum -= logP;
            }
            return new BigDecimal(sum);
        }
    }
}
