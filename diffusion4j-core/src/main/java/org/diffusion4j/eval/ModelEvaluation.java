package org.diffusion4j.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.data.ImageSet;
import org.diffusion4j.denoise.GaussianMixture;
import org.diffusion4j.generate.Generation;
import org.diffusion4j.generate.GenerationRequest;
import org.diffusion4j.generate.Generator;

/**
 * Measures a trained model against its data. Images: Fréchet distance in a classifier's feature space, precision
 * and recall (k = 3), and for class-conditional models the fraction of samples the classifier assigns to the
 * class they were drawn for. 2-D data: sliced Wasserstein distance, MMD, and the NLL under the true density when it
 * is a mixture. Each distance comes with its floor: the same distance between two disjoint real sets of the same
 * size.
 */
public final class ModelEvaluation {
    private ModelEvaluation() {}

    /**
     * The measurements ({@code evaluations}: model calls per sample, {@code steps}: sampler steps); NaN where a
     * measure does not apply.
     */
    public record Result(int samples, long evaluations, int steps, double frechet, double frechetFloor,
            double precision, double recall, double classAccuracy, double swd, double swdFloor, double mmd,
            double mmdFloor, double nll, double nllFloor,
            @JsonInclude(JsonInclude.Include.NON_NULL) ModeMasses modeMasses,
            @JsonInclude(JsonInclude.Include.NON_NULL) Support support) {}

    /**
     * Whether samples stay on a mixture's support: the fraction outside its highest-density region of probability
     * {@code level} (the points whose density is below the level's threshold, the (1 − level)-quantile of the log
     * density of {@value #SUPPORT_SAMPLES} exact samples drawn with a fixed seed).
     *
     * @param level the region's probability (0.99)
     * @param logDensityThreshold the region's boundary in log density
     * @param generated the fraction of generated samples outside it
     * @param real the same of the real set (about 1 − level)
     */
    public record Support(double level, double logDensityThreshold, double generated, double real) {
        static Support of(GaussianMixture mixture, double level, float[] generated, float[] real,
                NDManager manager) {
            double[][] exact = mixture.sample(SUPPORT_SAMPLES, new SplittableRandom(0x5099L));
            double[] flat = new double[exact.length * mixture.dimension()];
            for (int i = 0; i < exact.length; i++) {
                System.arraycopy(exact[i], 0, flat, i * mixture.dimension(), mixture.dimension());
            }
            double[] logs = logDensities(mixture, flat, manager);
            Arrays.sort(logs);
            double threshold = logs[(int) Math.floor((1 - level) * logs.length)];
            return new Support(level, threshold, below(mixture, generated, threshold, manager), below(mixture, real,
                    threshold, manager));
        }

        private static double below(GaussianMixture mixture, float[] values, double threshold, NDManager manager) {
            double[] x = new double[values.length];
            for (int i = 0; i < x.length; i++) {
                x[i] = values[i];
            }
            double[] logs = logDensities(mixture, x, manager);
            return Arrays.stream(logs).filter(v -> v < threshold).count() / (double) logs.length;
        }

        private static double[] logDensities(GaussianMixture mixture, double[] flat, NDManager manager) {
            try (NDManager m = manager.newSubManager()) {
                NDArray x = m.create(flat, new Shape(flat.length / mixture.dimension(), mixture.dimension()));
                return mixture.logDensity(x, 1, 0).toType(DataType.FLOAT64, false).toDoubleArray();
            }
        }
    }

    /** Exact samples that place the support's threshold. */
    public static final int SUPPORT_SAMPLES = 100_000;

    /**
     * How a mixture's modes are covered: the fraction of samples whose most likely component is k, for the
     * generated samples and for the real reference set, beside the weights.
     *
     * @param weights the mixture's weights
     * @param generated the generated samples' fractions
     * @param real the real set's fractions (the floor: overlapping modes make them differ from the weights)
     */
    public record ModeMasses(double[] weights, double[] generated, double[] real) {
        /** The largest |fraction/weight − 1| over the modes, of the generated samples. */
        public double worstRelativeError() {
            return worst(generated);
        }

        /** The same of the real set. */
        public double realWorstRelativeError() {
            return worst(real);
        }

        private double worst(double[] fractions) {
            double out = 0;
            for (int k = 0; k < weights.length; k++) {
                out = Math.max(out, Math.abs(fractions[k] / weights[k] - 1));
            }
            return out;
        }

        static ModeMasses of(GaussianMixture mixture, float[] generated, float[] real) {
            return new ModeMasses(mixture.weights(), fractions(mixture, generated), fractions(mixture, real));
        }

        private static double[] fractions(GaussianMixture mixture, float[] values) {
            double[] x = new double[values.length];
            for (int i = 0; i < x.length; i++) {
                x[i] = values[i];
            }
            int[] component = mixture.component(x);
            double[] out = new double[mixture.components()];
            for (int c : component) {
                out[c] += 1.0 / component.length;
            }
            return out;
        }
    }

    /**
     * What generated samples are measured against.
     *
     * @param data the real data
     * @param classifier the feature space for images (null for 2-D data)
     * @param mixture the true density of 2-D data, or null
     */
    public record Reference(ImageSet data, Classifier classifier, GaussianMixture mixture) {}

    /**
     * Generates one sample per seed of {@code request} (sample i of class i mod the model's classes) with
     * {@code generator}, in batches, and measures them against {@code reference}; the real-vs-real floor uses a
     * permutation of the data drawn from the first seed.
     */
    public static Result evaluate(Generator generator, GenerationRequest request, Reference reference,
            NDManager manager, IntConsumer progress) {
        ImageSet data = reference.data();
        int n = request.seeds().length;
        long seed = request.seeds()[0];
        int classes = generator.classes();
        if (2 * n > data.size()) {
            throw new InvalidArgumentException("the floor needs two disjoint real sets of " + n + " samples, but the "
                    + "data has " + data.size() + "; ask for at most " + data.size() / 2);
        }
        float[] generated = new float[n * data.sampleSize()];
        int[] labels = new int[n];
        long evaluations = 0;
        int steps = 0;
        int batch = 250;
        for (int from = 0; from < n; from += batch) {
            int to = Math.min(n, from + batch);
            int[] classOf = new int[to - from];
            for (int i = from; i < to; i++) {
                labels[i] = classes > 0 ? i % classes : 0;
                classOf[i - from] = labels[i];
            }
            try (NDManager m = manager.newSubManager()) {
                Generation result = generator.generate(request.forSamples(Arrays.copyOfRange(request.seeds(), from,
                        to), classes > 0 ? classOf : null), m);
                float[] values = result.samples().toType(DataType.FLOAT32, false).toFloatArray();
                System.arraycopy(values, 0, generated, from * data.sampleSize(), values.length);
                evaluations = result.evaluations(); // one call per step serves the whole batch
                steps = result.steps();
            }
            progress.accept(to);
        }
        Classifier classifier = reference.classifier();
        GaussianMixture mixture = reference.mixture();
        RealSets real = realSets(data, n, seed);
        float[] realA = real.a();
        float[] realB = real.b();
        double nan = Double.NaN;
        if (classifier != null) {
            double[][] fGenerated = classifier.features(generated, n);
            double[][] fA = classifier.features(realA, n);
            double[][] fB = classifier.features(realB, n);
            PrecisionRecall.Result pr = PrecisionRecall.of(fA, fGenerated, 3, manager);
            double accuracy = nan;
            if (classes > 0) {
                int[] predicted = classifier.predict(generated, n);
                int right = 0;
                for (int i = 0; i < n; i++) {
                    right += predicted[i] == labels[i] ? 1 : 0;
                }
                accuracy = (double) right / n;
            }
            return new Result(n, evaluations, steps, FrechetDistance.between(fA, fGenerated),
                    FrechetDistance.between(fA, fB),
                    pr.precision(), pr.recall(), accuracy, nan, nan, nan, nan, nan, nan, null, null);
        }
        double[][] pGenerated = rows(generated, data.sampleSize());
        double[][] pA = rows(realA, data.sampleSize());
        double[][] pB = rows(realB, data.sampleSize());
        double nll = nan;
        double nllFloor = nan;
        ModeMasses masses = null;
        Support support = null;
        if (mixture != null) {
            nll = nll(mixture, generated, n, data.sampleShape(), manager);
            nllFloor = nll(mixture, realA, n, data.sampleShape(), manager);
            masses = ModeMasses.of(mixture, generated, realA);
            support = Support.of(mixture, 0.99, generated, realA, manager);
        }
        int small = Math.min(n, 2000);
        return new Result(n, evaluations, steps, nan, nan, nan, nan, nan,
                SlicedWasserstein.distance(pGenerated, pA, 128, seed), SlicedWasserstein.distance(pB, pA, 128, seed),
                Mmd.squared(Arrays.copyOf(pGenerated, small), Arrays.copyOf(pA, small)),
                Mmd.squared(Arrays.copyOf(pB, small), Arrays.copyOf(pA, small)), nll, nllFloor, masses, support);
    }

    /** Two disjoint sets of {@code n} real samples each (flattened), {@code a} the reference, {@code b} for the floor. */
    public record RealSets(float[] a, float[] b) {}

    /**
     * The real sets {@link #evaluate} measures against: the first {@code n} and the next {@code n} samples of a
     * permutation of {@code data} drawn from {@code seed} (the first seed of the request).
     */
    public static RealSets realSets(ImageSet data, int n, long seed) {
        if (2 * n > data.size()) {
            throw new InvalidArgumentException("the floor needs two disjoint real sets of " + n + " samples, but the "
                    + "data has " + data.size() + "; ask for at most " + data.size() / 2);
        }
        int[] order = permutation(data.size(), seed);
        return new RealSets(gather(data, Arrays.copyOfRange(order, 0, n)), gather(data, Arrays.copyOfRange(order,
                n, 2 * n)));
    }

    private static double nll(GaussianMixture mixture, float[] values, int n, Shape sample, NDManager manager) {
        try (NDManager m = manager.newSubManager()) {
            NDArray x = m.create(values, new Shape(n).addAll(sample)).toType(DataType.FLOAT64, false);
            return -mixture.logDensity(x, 1, 0).mean().getDouble();
        }
    }

    private static int[] permutation(int size, long seed) {
        int[] p = new int[size];
        for (int i = 0; i < size; i++) {
            p[i] = i;
        }
        SplittableRandom random = new SplittableRandom(seed ^ 0x7ea1L);
        for (int i = size - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    private static float[] gather(ImageSet data, int[] indices) {
        int per = data.sampleSize();
        float[] out = new float[indices.length * per];
        for (int i = 0; i < indices.length; i++) {
            System.arraycopy(data.values(), indices[i] * per, out, i * per, per);
        }
        return out;
    }

    /** {@code values} as rows of {@code per}. */
    static double[][] rows(float[] values, int per) {
        double[][] out = new double[values.length / per][per];
        for (int i = 0; i < out.length; i++) {
            for (int j = 0; j < per; j++) {
                out[i][j] = values[i * per + j];
            }
        }
        return out;
    }
}
