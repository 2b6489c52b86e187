package org.diffusion4j.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.backend.NativeArrays;
import org.diffusion4j.data.ImageSet;
import org.diffusion4j.generate.Generation;
import org.diffusion4j.generate.GenerationRequest;
import org.diffusion4j.generate.Generator;
import org.diffusion4j.restore.RestorationMeasures;
import org.diffusion4j.restore.RestorationTask;

/**
 * Measures a restorer (any {@link Generator} that takes observations) on a task's fixed test set: distortion (MSE and
 * PSNR against the clean images, averaged over inputs), perceptual quality (Fréchet distances in a classifier's
 * feature space: of the restorations to as many other real images, beside its floor, the clean test images' distance
 * to the same set, which a perfect posterior sampler reaches; and of the restorations to their own clean images,
 * 0 for a perfect restorer), consistency (‖A(x̂) − y‖ per value, RMS, averaged) and variability (per-pixel
 * standard deviation over K restorations of each of the first inputs, averaged; 0 for a deterministic restorer).
 */
public final class RestorationEvaluation {
    private RestorationEvaluation() {}

    /** Seeds of the variability samples start here, apart from those of the main restorations. */
    public static final long VARIABILITY_SEEDS = 1_000_000_000L;

    private static final int BATCH = 250;

    /**
     * Inputs attacked at once by default. The backward pass through every step holds the batch's activations: about
     * 0.35 GB per input for 50 DDRM steps of the 1M-parameter MNIST U-Net.
     */
    public static final int ATTACK_BATCH = 50;

    /**
     * A task's fixed test set: held-out clean images and their observations, image i observed with noise drawn from
     * ({@code seed}, i) alone, so any subset sees the same observations.
     *
     * @param task the task
     * @param clean the clean test images
     * @param seed the observations' noise seed
     */
    public record TestSet(RestorationTask task, ImageSet clean, long seed) {

        /** The number of test images. */
        public int size() {
            return clean.size();
        }

        /** Clean images {@code from} … {@code to − 1}, batch first. */
        public NDArray images(int from, int to, NDManager manager) {
            return clean.batch(manager, IntStream.range(from, to).toArray());
        }

        /** The observations of images {@code from} … {@code to − 1}. */
        public NDArray observations(int from, int to, NDManager manager) {
            NDArray x = images(from, to, manager);
            NDArray[] noise = new NDArray[to - from];
            for (int i = from; i < to; i++) {
                noise[i - from] = NativeArrays.standardNormal(new SplittableRandom(seed * 0x9E3779B97F4A7C15L + i),
                        clean.sampleShape(), manager).toType(x.getDataType(), false).expandDims(0);
            }
            return task.observe(x, NDArrays.concat(new NDList(noise)));
        }
    }

    /**
     * The measurements.
     *
     * @param inputs test inputs restored
     * @param evaluations model calls per restoration
     * @param steps sampler steps
     * @param mse mean squared error, averaged over inputs
     * @param psnr PSNR in dB, averaged over inputs
     * @param consistency RMS of A(x̂) − y, averaged over inputs
     * @param frechet Fréchet distance of the restorations to other real images (as many)
     * @param frechetFloor the same of the clean test images
     * @param frechetToClean Fréchet distance of the restorations to their clean test images
     * @param variabilityInputs inputs restored K times for the variability (0: not measured)
     * @param variabilitySamples K
     * @param variability mean per-pixel standard deviation over the K restorations (NaN: not measured)
     */
    public record Result(int inputs, long evaluations, int steps, double mse, double psnr, double consistency,
            double frechet, double frechetFloor, double frechetToClean, int variabilityInputs, int variabilitySamples,
            double variability, @JsonInclude(JsonInclude.Include.NON_NULL) Sensitivity sensitivity) {

        /** The same measurements with the adversarial sensitivity. */
        public Result with(Sensitivity measured) {
            return new Result(inputs, evaluations, steps, mse, psnr, consistency, frechet, frechetFloor,
                    frechetToClean, variabilityInputs, variabilitySamples, variability, measured);
        }
    }

    /**
     * How far a PGD attack on the observation moves the restoration: for each radius ε (in the images' [−1, 1] units,
     * twice the [0, 1] units papers quote), the RMS per pixel of R(y + δ) − R(y), averaged over the inputs.
     *
     * @param inputs test inputs attacked
     * @param steps PGD steps
     * @param draws restorations averaged per evaluation (1: the noise fixed)
     * @param epsilons the radii
     * @param change the output change at each radius
     */
    public record Sensitivity(int inputs, int steps, int draws, double[] epsilons, double[] change) {}

    /**
     * Attacks the first {@code inputs} test inputs (the request's sampler and budget; input i with seed i) with PGD at
     * each radius ({@link ObservationAttack#of}: {@code steps} steps, the start drawn from the batch's first index) and
     * measures the output change; {@code batchSize / draws} inputs at a time (at least one), so the batches also place
     * the PGD starts.
     */
    public static Sensitivity sensitivity(Generator restorer, GenerationRequest request, TestSet test, int inputs,
            double[] epsilons, int steps, int draws, int batchSize, NDManager manager, IntConsumer progress) {
        if (batchSize < 1) {
            throw new InvalidArgumentException("an attack batch needs at least one input, got " + batchSize);
        }
        double[] change = new double[epsilons.length];
        int per = Math.max(1, batchSize / draws);
        for (int e = 0; e < epsilons.length; e++) {
            ObservationAttack attack = ObservationAttack.of(epsilons[e], steps, draws);
            double sum = 0;
            for (int from = 0; from < inputs; from += per) {
                int to = Math.min(inputs, from + per);
                try (NDManager m = manager.newSubManager()) {
                    NDArray y = test.observations(from, to, m);
                    GenerationRequest batch = request.toBuilder().seeds(Arrays.copyOfRange(request.seeds(), from, to))
                            .observation(y).build();
                    NDArray clean = attack.restore(restorer, batch, y, m);
                    NDArray attacked = attack.restore(restorer, batch, attack.perturb(restorer, batch, from, m), m);
                    NDArray d = attacked.sub(clean);
                    sum += Arrays.stream(d.mul(d).reshape(to - from, -1).mean(new int[] {1}).toType(DataType.FLOAT64,
                            false).toDoubleArray()).map(Math::sqrt).sum();
                }
                progress.accept(e * inputs + to);
            }
            change[e] = sum / inputs;
        }
        return new Sensitivity(inputs, steps, draws, epsilons.clone(), change);
    }

    /**
     * Restores the first {@code request.seeds().length} test inputs (input i with seed i of the request, in batches,
     * with its sampler and budget) and measures them; then, when {@code variabilityInputs} > 0, restores each of the
     * first {@code variabilityInputs} inputs {@code variabilitySamples} times more, input i's k-th with seed
     * {@link #VARIABILITY_SEEDS} + i·K + k.
     *
     * @param others real images apart from the test set, at least as many as the inputs: the reference of the
     *     Fréchet distance
     * @param progress told the restorations done so far
     */
    public static Result evaluate(Generator restorer, GenerationRequest request, TestSet test, Classifier classifier,
            ImageSet others, int variabilityInputs, int variabilitySamples, NDManager manager, IntConsumer progress) {
        int n = request.seeds().length;
        if (n > test.size() || n > others.size()) {
            throw new InvalidArgumentException(n + " inputs asked for, but the test set has " + test.size()
                    + " images and the floor's real set " + others.size());
        }
        if (variabilityInputs > n || variabilityInputs > 0 && variabilitySamples < 2) {
            throw new InvalidArgumentException("the variability needs K ≥ 2 restorations of at most the " + n
                    + " inputs, got " + variabilitySamples + " of " + variabilityInputs);
        }
        int size = test.clean().sampleSize();
        float[] restored = new float[n * size];
        double[] mse = new double[n];
        double[] psnr = new double[n];
        double[] consistency = new double[n];
        long evaluations = 0;
        int steps = 0;
        for (int from = 0; from < n; from += BATCH) {
            int to = Math.min(n, from + BATCH);
            try (NDManager m = manager.newSubManager()) {
                NDArray y = test.observations(from, to, m);
                Generation g = restorer.generate(request.toBuilder().seeds(Arrays.copyOfRange(request.seeds(), from,
                        to)).observation(y).build(), m);
                NDArray x = g.samples().toType(DataType.FLOAT32, false);
                NDArray clean = test.images(from, to, m);
                System.arraycopy(RestorationMeasures.mse(x, clean), 0, mse, from, to - from);
                System.arraycopy(RestorationMeasures.psnr(x, clean), 0, psnr, from, to - from);
                System.arraycopy(RestorationMeasures.consistency(test.task(), x, y), 0, consistency, from, to - from);
                System.arraycopy(x.toFloatArray(), 0, restored, from * size, (to - from) * size);
                evaluations = g.evaluations();
                steps = g.steps();
            }
            progress.accept(to);
        }
        double[][] features = classifier.features(restored, n);
        double[][] real = classifier.features(Arrays.copyOf(test.clean().values(), n * size), n);
        double[][] other = classifier.features(Arrays.copyOf(others.values(), n * size), n);
        double variability = variabilityInputs == 0 ? Double.NaN
                : variability(restorer, request, test, variabilityInputs, variabilitySamples, manager);
        return new Result(n, evaluations, steps, mean(mse), mean(psnr), mean(consistency),
                FrechetDistance.between(other, features), FrechetDistance.between(other, real),
                FrechetDistance.between(real, features), variabilityInputs,
                variabilitySamples, variability, null);
    }

    private static double variability(Generator restorer, GenerationRequest request, TestSet test, int inputs,
            int k, NDManager manager) {
        double[] perInput = new double[inputs];
        int per = Math.max(1, BATCH / k);
        for (int from = 0; from < inputs; from += per) {
            int to = Math.min(inputs, from + per);
            int count = to - from;
            try (NDManager m = manager.newSubManager()) {
                NDArray y = test.observations(from, to, m);
                long[] seeds = new long[count * k];
                for (int j = 0; j < k; j++) {
                    for (int i = 0; i < count; i++) {
                        seeds[j * count + i] = VARIABILITY_SEEDS + (long) (from + i) * k + j;
                    }
                }
                NDArray ys = y.expandDims(0).repeat(0, k).reshape(new Shape(count * k).addAll(y.getShape().slice(1)));
                NDArray x = restorer.generate(request.toBuilder().seeds(seeds).observation(ys).build(), m).samples()
                        .toType(DataType.FLOAT32, false);
                NDArray samples = x.reshape(new Shape(k, count).addAll(x.getShape().slice(1)));
                System.arraycopy(RestorationMeasures.variability(samples), 0, perInput, from, count);
            }
        }
        return mean(perInput);
    }

    private static double mean(double[] values) {
        return Arrays.stream(values).average().orElse(Double.NaN);
    }
}
