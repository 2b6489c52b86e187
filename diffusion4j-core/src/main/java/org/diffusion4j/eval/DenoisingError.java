package org.diffusion4j.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.backend.NativeArrays;
import org.diffusion4j.backend.Scalars;
import org.diffusion4j.data.ImageSet;
import org.diffusion4j.denoise.Denoiser;

/**
 * A denoiser's error by noise level, the quantity behind EDM's loss-by-σ plots (Karras et al. 2022, Fig. 5): for each
 * σ, the mean over the first n samples of the data, one noise draw each, and every value of
 * <pre>
 * |D(x_0 + σε; σ, c) − x_0|²,
 * </pre>
 * with D given each sample's class c when the data has classes. Beside it stands the error of the class means
 * E[x_0 | c] (the data mean when unlabelled), the σ-independent guess every exact denoiser tends to as σ → ∞: a
 * denoiser above that line at large σ is worse than ignoring its input.
 */
public final class DenoisingError {
    private static final RandomGeneratorFactory<RandomGenerator> RANDOM = RandomGeneratorFactory.of("L64X128MixRandom");

    private DenoisingError() {}

    /** The error at one noise level. */
    public record Level(double sigma, double error) {}

    /** The errors at every level and the class means' error, on {@code samples} samples. */
    public record Table(List<Level> levels, double classMeanError, int samples) {}

    /**
     * Measures the denoiser that {@code denoiser} returns for a batch's classes (the labels, in the batch's order) on
     * the first {@code n} samples of {@code data}, in batches of {@code batch}, with noise from {@code seed}.
     */
    public static Table measure(Function<int[], Denoiser> denoiser, ImageSet data, int n, double[] sigmas,
            long seed, int batch, NDManager manager) {
        if (n < 1 || n > data.size()) {
            throw new InvalidArgumentException("the denoising error needs 1 to " + data.size() + " samples of "
                    + data.name() + ", got " + n);
        }
        if (batch < 1) {
            throw new InvalidArgumentException("batch must be at least 1, got " + batch);
        }
        for (double sigma : sigmas) {
            if (!(sigma > 0) || Double.isInfinite(sigma)) {
                throw new InvalidArgumentException("noise levels must be positive and finite, got " + sigma);
            }
        }
        double[] sums = new double[sigmas.length];
        RandomGenerator random = RANDOM.create(seed);
        for (int start = 0; start < n; start += batch) {
            int from = start;
            int[] indices = new int[Math.min(batch, n - from)];
            Arrays.setAll(indices, i -> from + i);
            int[] classes = Arrays.stream(indices).map(i -> data.labels()[i]).toArray();
            Denoiser d = denoiser.apply(classes);
            for (int s = 0; s < sigmas.length; s++) {
                try (NDManager step = manager.newSubManager()) {
                    NDArray x0 = data.batch(step, indices);
                    NDArray noisy = x0.add(NativeArrays.standardNormal(random, x0.getShape(), step)
                            .mul(Scalars.of(x0, sigmas[s])));
                    NDArray error = d.denoise(noisy, sigmas[s]).sub(x0);
                    sums[s] += error.mul(error).sum().toType(DataType.FLOAT64, false).getDouble();
                }
            }
        }
        double values = (double) n * data.sampleSize();
        List<Level> levels = new ArrayList<>();
        for (int s = 0; s < sigmas.length; s++) {
            levels.add(new Level(sigmas[s], sums[s] / values));
        }
        return new Table(List.copyOf(levels), classMeanError(data, n), n);
    }

    /** The mean squared distance of the first n samples from the mean of their class over the whole set. */
    static double classMeanError(ImageSet data, int n) {
        int per = data.sampleSize();
        int groups = Math.max(1, data.classes());
        double[][] means = new double[groups][per];
        int[] counts = new int[groups];
        float[] v = data.values();
        for (int i = 0; i < data.size(); i++) {
            int c = data.labels()[i];
            counts[c]++;
            for (int j = 0; j < per; j++) {
                means[c][j] += v[i * per + j];
            }
        }
        for (int c = 0; c < groups; c++) {
            for (int j = 0; j < per; j++) {
                means[c][j] /= Math.max(1, counts[c]);
            }
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double[] mean = means[data.labels()[i]];
            for (int j = 0; j < per; j++) {
                double e = v[i * per + j] - mean[j];
                sum += e * e;
            }
        }
        return sum / ((double) n * per);
    }
}
