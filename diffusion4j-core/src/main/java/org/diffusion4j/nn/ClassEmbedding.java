package org.diffusion4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * A learned embedding per class, plus one for "no class" (label = number of classes), the null condition that
 * classifier-free guidance (Ho &amp; Salimans 2021) contrasts with.
 */
final class ClassEmbedding {
    private final Dense table;
    private final int classes;

    ClassEmbedding(Weights.Scope scope, int classes, int channels) {
        this(scope, classes, channels, 1);
    }

    /** @param scale initialization scale of the table ({@link Init#uniform} with fan-in classes + 1) */
    ClassEmbedding(Weights.Scope scope, int classes, int channels, double scale) {
        this.classes = classes;
        this.table = new Dense(scope, classes + 1, channels, scale);
    }

    NDArray apply(NDArray labels, DataType type) {
        return table.apply(labels.toType(DataType.INT32, false).oneHot(classes + 1, type));
    }
}
