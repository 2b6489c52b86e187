package org.diffusion4j.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.function.IntUnaryOperator;
import org.diffusion4j.InvalidArgumentException;

/**
 * Many samples in batches: the seeds, classes and samples of one batch at a time are in memory, whatever the number
 * of samples, and each batch is handed on (written, measured) before the next is drawn. Sample i depends on seed i
 * alone, so the batch size does not choose the samples.
 *
 * @param n the number of samples
 * @param batch the samples drawn at once
 */
public record Batches(int n, int batch) {
    /**
     * Arrays of one sample's size that drawing it keeps alive at once: the sampler's state, denoised estimate,
     * derivative, noise and remembered steps (about 8), and the denoiser's temporaries or a network's activations
     * (the rest). A planning figure, below what was measured: the eight-Gaussian mixture took about 2 kB per 2-D
     * float32 sample (resident memory of a 10⁶-sample batch, docs/reliability.md), about 250 sample-sized arrays, as
     * its denoiser keeps temporaries per component.
     */
    public static final int ARRAYS_PER_SAMPLE = 64;

    /** The memory a batch is sized to by default: 64 MiB ({@link #bytesPerSample} each). */
    public static final long DEFAULT_BUDGET_BYTES = 64L << 20;

    /** The most samples one batch holds by default (images: far fewer, by the budget). */
    public static final int MAX_BATCH = 1 << 20;

    public Batches {
        if (n < 1) {
            throw new InvalidArgumentException("the number of samples must be at least 1, got " + n);
        }
        if (batch < 1) {
            throw new InvalidArgumentException("the batch size must be at least 1, got " + batch);
        }
    }

    /** The memory one sample of {@code sampleShape} in {@code type} needs while it is drawn (an estimate). */
    public static long bytesPerSample(Shape sampleShape, DataType type) {
        return sampleShape.size() * type.getNumOfBytes() * ARRAYS_PER_SAMPLE;
    }

    /** Batches of {@code n} samples sized to {@code budgetBytes} of memory (at least 1, at most n). */
    public static Batches within(int n, Shape sampleShape, DataType type, long budgetBytes) {
        long fit = Math.max(1, budgetBytes / Math.max(1, bytesPerSample(sampleShape, type)));
        return new Batches(n, (int) Math.min(Math.min(n, MAX_BATCH), fit));
    }

    /** The number of batches. */
    public int count() {
        return (n + batch - 1) / batch;
    }

    /** Receives each batch's generation; its arrays live until {@link #accept} returns. */
    @FunctionalInterface
    public interface Consumer {
        /** The generation of samples {@code from} … {@code from + g.samples().getShape().get(0) − 1}. */
        void accept(int from, Generation g);
    }

    /** The start of samples {@code from} … {@code to − 1}, or null to draw them from the seeds. */
    @FunctionalInterface
    public interface Starts {
        NDArray of(int from, int to);
    }

    /**
     * Generates samples 0 … n − 1 with seeds {@code firstSeed + i}, classes {@code classOf.applyAsInt(i)} (null: none)
     * and starts from {@code starts} (null: drawn), every other setting from {@code template}; each batch in its own
     * sub-manager of {@code manager}, closed after {@code consumer} has seen it.
     */
    public void generate(Generator generator, GenerationRequest template, long firstSeed, IntUnaryOperator classOf,
            Starts starts, NDManager manager, Consumer consumer) {
        for (int from = 0; from < n; from += batch) {
            int to = (int) Math.min(n, (long) from + batch);
            long[] seeds = new long[to - from];
            int[] classes = classOf == null ? null : new int[to - from];
            for (int i = from; i < to; i++) {
                seeds[i - from] = firstSeed + i;
                if (classes != null) {
                    classes[i - from] = classOf.applyAsInt(i);
                }
            }
            try (NDManager m = manager.newSubManager()) {
                NDArray start = starts == null ? null : starts.of(from, to);
                GenerationRequest request = template.toBuilder().seeds(seeds).classes(classes).start(start).build();
                consumer.accept(from, generator.generate(request, m));
            }
        }
    }
}
