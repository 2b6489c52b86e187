package org.diffusion4j.sample;

import ai.djl.ndarray.NDArray;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.SplittableRandom;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.ShapeMismatchException;
import org.diffusion4j.backend.NativeArrays;

/**
 * Noise from one Brownian motion W per sample over the noise levels [σ_lo, σ_hi], built as a virtual Brownian tree
 * (Li et al. 2020; k-diffusion's {@code BrownianTreeNoiseSampler}): the value at a level is found by bisecting the
 * interval, drawing each midpoint from its Brownian bridge with a generator seeded by (sample seed, node). W is
 * therefore a fixed function of the seed: the noise between two levels is the same whatever steps are taken, so
 * runs with 20 and 40 steps of the same seed stay close, and the two stages of a two-stage SDE step see correlated
 * increments, as the SDE requires.
 *
 * <p>{@code sample(like, σ, σ')} returns {@code (W(σ') − W(σ))/√|σ' − σ|}, standard normal per coordinate.
 */
public final class BrownianNoise implements NoiseSource {
    private static final int MAX_DEPTH = 44;
    private static final int CACHE = 6;

    private final long[] seeds;
    private final double lo;
    private final double hi;
    private final Deque<Cached> cache = new ArrayDeque<>();

    private record Cached(double level, int dimension, double[][] values) {}

    private BrownianNoise(long[] seeds, double lo, double hi) {
        if (!(lo >= 0 && hi > lo && Double.isFinite(hi))) {
            throw new InvalidArgumentException("a Brownian tree needs 0 ≤ σ_lo < σ_hi < ∞, got " + lo + ", " + hi);
        }
        this.seeds = seeds;
        this.lo = lo;
        this.hi = hi;
    }

    /** One tree per sample over [sigmaLo, sigmaHi], tree i seeded by {@code seeds[i]}. */
    public static BrownianNoise perSample(long[] seeds, double sigmaLo, double sigmaHi) {
        return new BrownianNoise(seeds.clone(), sigmaLo, sigmaHi);
    }

    @Override
    public NDArray sample(NDArray like, double sigma, double sigmaNext) {
        long batch = like.getShape().get(0);
        if (batch != seeds.length) {
            throw new ShapeMismatchException("Brownian noise for " + seeds.length + " seeded samples was asked for "
                    + "a batch of " + batch);
        }
        int dimension = (int) (like.getShape().size() / batch);
        double[][] from = values(sigma, dimension);
        double[][] to = values(sigmaNext, dimension);
        double scale = 1 / Math.sqrt(Math.abs(sigmaNext - sigma));
        double[] out = new double[(int) like.getShape().size()];
        for (int i = 0; i < batch; i++) {
            for (int j = 0; j < dimension; j++) {
                out[i * dimension + j] = (to[i][j] - from[i][j]) * scale;
            }
        }
        return NativeArrays.of(like.getManager(), out, like.getShape(), like.getDataType());
    }

    private double[][] values(double level, int dimension) {
        for (Cached c : cache) {
            if (c.level == level && c.dimension == dimension) {
                return c.values;
            }
        }
        if (!(level >= lo && level <= hi)) {
            throw new InvalidArgumentException("Brownian noise covers σ in [" + lo + ", " + hi + "]; asked for "
                    + level);
        }
        double[][] values = new double[seeds.length][];
        for (int i = 0; i < seeds.length; i++) {
            values[i] = value(seeds[i], level, dimension);
        }
        if (cache.size() == CACHE) {
            cache.removeLast();
        }
        cache.addFirst(new Cached(level, dimension, values));
        return values;
    }

    /** W(level) of one tree, descending from the root until the level is a node or the interval is negligible. */
    private double[] value(long seed, double level, int dimension) {
        double a = lo;
        double b = hi;
        double[] wa = new double[dimension];
        double[] wb = normals(seed, 0, dimension, Math.sqrt(hi - lo));
        if (level == a) {
            return wa;
        }
        long node = 1;
        for (int depth = 0; depth < MAX_DEPTH && level != b; depth++) {
            double m = 0.5 * (a + b);
            double[] wm = normals(seed, node, dimension, Math.sqrt((b - a) / 4));
            for (int j = 0; j < dimension; j++) {
                wm[j] += 0.5 * (wa[j] + wb[j]);
            }
            if (level == m) {
                return wm;
            }
            if (level < m) {
                b = m;
                wb = wm;
                node = 2 * node;
            } else {
                a = m;
                wa = wm;
                node = 2 * node + 1;
            }
        }
        if (level == b) {
            return wb;
        }
        double w = (level - a) / (b - a);
        double[] out = new double[dimension];
        for (int j = 0; j < dimension; j++) {
            out[j] = wa[j] + w * (wb[j] - wa[j]);
        }
        return out;
    }

    private static double[] normals(long seed, long node, int dimension, double scale) {
        SplittableRandom random = new SplittableRandom(mix(seed, node));
        double[] out = new double[dimension];
        for (int j = 0; j < dimension; j++) {
            out[j] = scale * random.nextGaussian();
        }
        return out;
    }

    /** SplitMix64's finalizer over (seed, node): distinct nodes of distinct trees get unrelated generators. */
    private static long mix(long seed, long node) {
        long z = seed * 0x9E3779B97F4A7C15L + node * 0xBF58476D1CE4E5B9L + 0x94D049BB133111EBL;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
