package org.diffusion4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;

/** A fully connected layer y = x·Wᵀ + b over the last axis. */
public final class Dense {
    private final NDArray weight;
    private final NDArray bias;

    /** @param scale initialization scale (0 for zero init) */
    public Dense(Weights.Scope scope, int in, int out, double scale) {
        this.weight = scope.get("weight", new Shape(out, in), scale == 0 ? Init.zeros() : Init.uniform(in, scale));
        this.bias = scope.get("bias", new Shape(out), Init.zeros());
    }

    public NDArray apply(NDArray x) {
        return Linear.linear(x, weight, bias).singletonOrThrow();
    }
}
