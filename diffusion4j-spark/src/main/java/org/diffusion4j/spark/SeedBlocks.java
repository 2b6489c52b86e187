package org.diffusion4j.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.diffusion4j.InvalidArgumentException;

/**
 * N samples with seeds {@code first, first + 1, …} cut into fixed blocks of {@code blockSize} (the last may be
 * shorter). A block is the unit of work, of batching and of statistics: it is generated as one batch and its
 * statistics are summed in one fixed order, whatever partition it lands in, so neither samples nor metrics depend on
 * the partitioning. Partitions are runs of whole blocks.
 */
public record SeedBlocks(long first, int n, int blockSize) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The block size of {@code d4j eval}'s batches, so Spark batches equal the single-process ones. */
    public static final int DEFAULT_BLOCK = 250;

    public SeedBlocks {
        if (n < 1) {
            throw new InvalidArgumentException("--n must be at least 1, got " + n);
        }
        if (blockSize < 1) {
            throw new InvalidArgumentException("--block must be at least 1, got " + blockSize);
        }
    }

    /**
     * One block.
     *
     * @param index its position, 0 first
     * @param offset the index of its first sample among the N
     * @param count how many samples it holds
     * @param firstSeed the seed of its first sample
     */
    public record Block(int index, int offset, int count, long firstSeed) implements Serializable {
        private static final long serialVersionUID = 1L;

        /** The seeds of its samples. */
        public long[] seeds() {
            long[] seeds = new long[count];
            for (int i = 0; i < count; i++) {
                seeds[i] = firstSeed + i;
            }
            return seeds;
        }

        /**
         * The class of each sample: {@code fixed}, or sample i (of the N) gets class i mod {@code classes}, as in
         * {@code d4j sample} and {@code d4j eval}; null for an unconditional model.
         */
        public int[] classes(int classes, Integer fixed) {
            if (classes == 0) {
                return null;
            }
            int[] out = new int[count];
            for (int i = 0; i < count; i++) {
                out[i] = fixed != null ? fixed : (offset + i) % classes;
            }
            return out;
        }
    }

    /** The blocks in order. */
    public List<Block> blocks() {
        List<Block> blocks = new ArrayList<>();
        for (int offset = 0, index = 0; offset < n; offset += blockSize, index++) {
            blocks.add(new Block(index, offset, Math.min(blockSize, n - offset), first + offset));
        }
        return blocks;
    }
}
