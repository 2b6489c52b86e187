package org.diffusion4j.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.diffusion4j.ShapeMismatchException;

/**
 * A labelled set of samples held in memory as floats, one sample after the other: images (C, H, W) scaled to
 * [−1, 1], or low-dimensional points. Labels run from 0 to {@code classes − 1}; an unlabelled set has
 * {@code classes = 0} and all labels 0.
 *
 * @param values the samples, flattened, {@code size·sampleSize} floats
 * @param labels one label per sample
 * @param sampleShape the shape of one sample, e.g. (1, 28, 28) or (2)
 * @param classes number of classes (0: unlabelled)
 * @param name where the set came from, for messages and reports
 */
public record ImageSet(float[] values, int[] labels, Shape sampleShape, int classes, String name) {

    public ImageSet {
        long per = sampleShape.size();
        if (per == 0 || values.length % per != 0 || values.length / per != labels.length) {
            throw new ShapeMismatchException(name + ": " + values.length + " values and " + labels.length
                    + " labels do not fit samples of shape " + sampleShape);
        }
    }

    /** Number of samples. */
    public int size() {
        return labels.length;
    }

    /** Values per sample. */
    public int sampleSize() {
        return (int) sampleShape.size();
    }

    /** The samples at {@code indices} as one batch, shape (n, …sampleShape), float32. */
    public NDArray batch(NDManager manager, int[] indices) {
        int per = sampleSize();
        float[] out = new float[indices.length * per];
        for (int i = 0; i < indices.length; i++) {
            System.arraycopy(values, indices[i] * per, out, i * per, per);
        }
        return manager.create(out, batchShape(indices.length));
    }

    /** The labels at {@code indices}, int32. */
    public NDArray labelBatch(NDManager manager, int[] indices) {
        int[] out = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            out[i] = labels[indices[i]];
        }
        return manager.create(out);
    }

    /** The shape of a batch of n samples. */
    public Shape batchShape(int n) {
        return new Shape(n).addAll(sampleShape);
    }

    /** The samples {@code from} (inclusive) to {@code to} (exclusive) as their own set. */
    public ImageSet slice(int from, int to) {
        int per = sampleSize();
        return new ImageSet(java.util.Arrays.copyOfRange(values, from * per, to * per),
                java.util.Arrays.copyOfRange(labels, from, to), sampleShape, classes,
                name + "[" + from + ":" + to + "]");
    }
}
