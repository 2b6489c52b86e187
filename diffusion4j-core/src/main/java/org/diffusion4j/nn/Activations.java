package org.diffusion4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

/** Activations written with array-by-array operations only (DJL's swish multiplies by a {@code Number}). */
public final class Activations {
    private Activations() {}

    /** SiLU (swish with β = 1): x·sigmoid(x). */
    public static NDArray silu(NDArray x) {
        return x.mul(Activation.sigmoid(x));
    }
}
