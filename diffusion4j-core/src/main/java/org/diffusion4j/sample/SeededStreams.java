package org.diffusion4j.sample;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;
import org.diffusion4j.ShapeMismatchException;
import org.diffusion4j.backend.NativeArrays;

/**
 * One independent random stream per sample, each seeded by its own seed (as EDM's {@code StackedRandomGenerator}):
 * sample i of a batch draws the same numbers whatever else is in the batch, so a batch gives exactly the results
 * of its seeds run one by one.
 */
final class SeededStreams {
    private static final RandomGeneratorFactory<RandomGenerator> FACTORY = RandomGeneratorFactory.of("L64X128MixRandom");

    private final RandomGenerator[] streams;

    SeededStreams(long[] seeds) {
        streams = new RandomGenerator[seeds.length];
        for (int i = 0; i < seeds.length; i++) {
            streams[i] = FACTORY.create(seeds[i]);
        }
    }

    int size() {
        return streams.length;
    }

    /** Standard normals of {@code shape} (batch first, batch = number of streams) in {@code type}. */
    NDArray normal(NDManager manager, Shape shape, DataType type) {
        if (shape.dimension() == 0 || shape.get(0) != streams.length) {
            throw new ShapeMismatchException("noise for " + streams.length + " seeded samples was asked for shape "
                    + shape);
        }
        int perSample = (int) (shape.size() / streams.length);
        double[] values = new double[(int) shape.size()];
        for (int i = 0; i < streams.length; i++) {
            RandomGenerator stream = streams[i];
            for (int j = 0; j < perSample; j++) {
                values[i * perSample + j] = stream.nextGaussian();
            }
        }
        return NativeArrays.of(manager, values, shape, type);
    }
}
