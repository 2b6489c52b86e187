package org.diffusion4j.sample;

import ai.djl.ndarray.NDArray;

/**
 * Where stochastic samplers get their Gaussian noise (k-diffusion's {@code noise_sampler}). Every random number a
 * sampler uses comes from here, so a seeded source makes a run reproducible. A source belongs to one sampling run
 * (it may advance internal streams) and is not shared between concurrent runs.
 */
@FunctionalInterface
public interface NoiseSource {

    /**
     * Standard normal noise with the shape, dtype and manager of {@code like}, for the move from noise level
     * {@code sigma} to {@code sigmaNext} (Brownian sources use the pair; independent sources ignore it).
     */
    NDArray sample(NDArray like, double sigma, double sigmaNext);

    /** A source for deterministic samplers: asking it for noise is a programming error. */
    NoiseSource NONE = (like, sigma, sigmaNext) -> {
        throw new IllegalStateException("this sampling run was given no noise source");
    };
}
