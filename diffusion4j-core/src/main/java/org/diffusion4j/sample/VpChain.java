package org.diffusion4j.sample;

import ai.djl.ndarray.NDArray;

/**
 * The discrete variance-preserving chain a grid of EDM levels defines, for samplers stated on DDPM's chain
 * (Ho et al. 2020): level i has ᾱ_i = 1/(1 + σ_i²), the chain state is Y = √ᾱ_i·x̃, the step from level i to i + 1
 * has α = ᾱ_i/ᾱ_{i+1}, and the network's ε and score at level i are ε = (x̃ − D(x̃; σ_i))/σ_i and
 * s = −ε/√(1 − ᾱ_i). Level N may be 0 (ᾱ = 1, the data).
 */
final class VpChain {
    private VpChain() {}

    /** ᾱ of EDM level σ. */
    static double alphaBar(double sigma) {
        return 1 / (1 + sigma * sigma);
    }

    /** The EDM level of ᾱ. */
    static double sigma(double alphaBar) {
        return Math.sqrt(1 / alphaBar - 1);
    }

    /** ε at chain state Y of level σ > 0, and the EDM view point it was computed at. */
    static NDArray epsilon(Step step, NDArray y, double sigma) {
        NDArray x = y.div(Math.sqrt(alphaBar(sigma)));
        return x.sub(step.denoise(x, sigma)).div(sigma);
    }
}
