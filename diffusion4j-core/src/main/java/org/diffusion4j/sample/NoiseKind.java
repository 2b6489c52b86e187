package org.diffusion4j.sample;

/** The two seeded noise sources a sampler can ask for by default. */
public enum NoiseKind {
    /** Independent draws at every call ({@link GaussianNoise}). */
    GAUSSIAN,
    /** Increments of a Brownian motion over the noise levels ({@link BrownianNoise}). */
    BROWNIAN
}
