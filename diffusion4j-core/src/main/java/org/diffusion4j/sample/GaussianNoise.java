package org.diffusion4j.sample;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Independent standard normal noise at every call, from one seeded stream per sample. The same object also draws
 * the initial latents ({@link #latents}), so one seed fixes everything about a sample.
 */
public final class GaussianNoise implements NoiseSource {
    private final SeededStreams streams;

    private GaussianNoise(long[] seeds) {
        this.streams = new SeededStreams(seeds);
    }

    /** One stream per sample, seeded with {@code seeds[i]}. */
    public static GaussianNoise perSample(long... seeds) {
        return new GaussianNoise(seeds.clone());
    }

    /** Streams for seeds {@code first, first + 1, …, first + n − 1}. */
    public static GaussianNoise consecutive(long first, int n) {
        long[] seeds = new long[n];
        for (int i = 0; i < n; i++) {
            seeds[i] = first + i;
        }
        return new GaussianNoise(seeds);
    }

    /** Initial states {@code scale·z}, z standard normal of {@code shape} (batch first), in float32 or float64. */
    public NDArray latents(NDManager manager, Shape shape, ai.djl.ndarray.types.DataType type, double scale) {
        NDArray z = streams.normal(manager, shape, type);
        NDArray scaled = z.mul(scale);
        z.close();
        return scaled;
    }

    @Override
    public NDArray sample(NDArray like, double sigma, double sigmaNext) {
        return streams.normal(like.getManager(), like.getShape(), like.getDataType());
    }
}
