package org.diffusion4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import org.diffusion4j.backend.Scalars;

/** Activations written with array-by-array operations only (DJL's swish multiplies by a {@code Number}). */
public final class Activations {
    private Activations() {}

    /** SiLU (swish with β = 1): x·sigmoid(x). */
    public static NDArray silu(NDArray x) {
        return x.mul(Activation.sigmoid(x));
    }

    /**
     * GELU in its tanh approximation (Hendrycks &amp; Gimpel 2016), as DiT's MLPs use it:
     * {@code ½·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))}.
     */
    public static NDArray geluTanh(NDArray x) {
        NDArray inner = Scalars.times(x.add(Scalars.times(x.mul(x).mul(x), 0.044715)), Math.sqrt(2 / Math.PI));
        return Scalars.times(x.mul(Scalars.plus(inner.tanh(), 1)), 0.5);
    }
}
