package org.diffusion4j.bridge;

import ai.djl.ndarray.NDArray;

/**
 * What drives a bridge sampler: the data prediction x̂₀ = E[x₀ | x_t, x₁] at time t (a network trained with the
 * bridge loss ‖x̂₀ − x₀‖², or an exact one in tests). The result belongs to {@code x}'s manager.
 */
@FunctionalInterface
public interface DataPrediction {

    /** x̂₀ for the states {@code x} at time {@code t} on bridges towards {@code prior}. */
    NDArray predict(NDArray x, double t, NDArray prior);
}
