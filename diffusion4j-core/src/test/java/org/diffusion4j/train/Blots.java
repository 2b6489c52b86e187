package org.diffusion4j.train;

import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;
import org.diffusion4j.data.ImageSet;

/** Tiny training images for tests: 8×8 one-channel images, each pixel 1 with probability ¼ and −1 otherwise. */
final class Blots {
    private Blots() {}

    /** {@code count} blot images drawn from seed 1, unlabelled. */
    static ImageSet of(int count) {
        float[] values = new float[count * 64];
        SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextInt(4) == 0 ? 1f : -1f;
        }
        return new ImageSet(values, new int[count], new Shape(1, 8, 8), 0, "blots");
    }
}
