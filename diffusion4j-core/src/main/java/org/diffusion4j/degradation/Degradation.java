package org.diffusion4j.degradation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import org.diffusion4j.backend.Differentiable;

/**
 * A deterministic corruption A_σ of clean data, indexed by the EDM noise level σ it comes with: the forward process
 * is {@code x = A_σ(x_0) + σ·ε}, and A_0 is the identity. Operators act on batches of images (N, C, H, W), except
 * {@link Identity}, which takes any shape. Implementations use no {@code NDArray op Number} arithmetic, so they are
 * safe inside a training step's autograd scope.
 */
@Differentiable
public interface Degradation {

    /** A_σ(x_0) for a batch at one level σ ≥ 0; same shape as x_0, in its manager. */
    NDArray apply(NDArray x0, double sigma);

    /** A_σ_i applied to sample i of the batch. */
    default NDArray apply(NDArray x0, double[] sigmas) {
        NDList parts = x0.split(sigmas.length);
        NDArray[] out = new NDArray[sigmas.length];
        for (int i = 0; i < sigmas.length; i++) {
            out[i] = apply(parts.get(i), sigmas[i]);
        }
        return NDArrays.concat(new NDList(out));
    }

    /** The spec that {@link Degradations#parse} reads back into this operator. */
    String spec();

    /** Whether A_σ is the identity for every σ (the Gaussian process). */
    default boolean isIdentity() {
        return false;
    }
}
