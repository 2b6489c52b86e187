package org.diffusion4j.data;

import java.util.SplittableRandom;
import org.diffusion4j.InvalidArgumentException;

/**
 * The order in which training visits a data set: epoch after epoch, each a fresh permutation drawn from
 * (seed, epoch), cut into batches. Batch k is a pure function of k, so the training step is the loader's whole
 * state: a resumed run sees exactly the batches an uninterrupted one would.
 */
public final class BatchOrder {
    private final int size;
    private final int batch;
    private final long seed;

    public BatchOrder(int size, int batch, long seed) {
        if (size < 1 || batch < 1) {
            throw new InvalidArgumentException("need a non-empty data set and batch, got " + size + " and " + batch);
        }
        this.size = size;
        this.batch = batch;
        this.seed = seed;
    }

    /** The sample indices of batch {@code step}. */
    public int[] batch(long step) {
        int[] out = new int[batch];
        long start = step * batch;
        long epoch = -1;
        int[] permutation = null;
        for (int i = 0; i < batch; i++) {
            long position = start + i;
            long e = position / size;
            if (e != epoch) {
                epoch = e;
                permutation = permutation(e);
            }
            out[i] = permutation[(int) (position % size)];
        }
        return out;
    }

    private int[] permutation(long epoch) {
        int[] p = new int[size];
        for (int i = 0; i < size; i++) {
            p[i] = i;
        }
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch);
        for (int i = size - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
