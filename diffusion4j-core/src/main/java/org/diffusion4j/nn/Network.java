package org.diffusion4j.nn;

import ai.djl.ndarray.NDArray;

/**
 * A denoising network F(x, c_noise, class): the raw function a {@code Preconditioning} turns into a denoiser.
 * Its weights live in {@link #weights()}; forward passes put their results in the manager of {@code x}.
 */
public interface Network {

    /**
     * @param x the (preconditioned) input, batch first
     * @param noiseLabel c_noise per sample, shape (B)
     * @param classLabels class per sample, shape (B), with {@code classes} meaning "no class"; null if unconditional
     * @param training whether dropout is active
     */
    NDArray forward(NDArray x, NDArray noiseLabel, NDArray classLabels, boolean training);

    /**
     * The frequencies of the network's {@link NoiseEmbedding}: the one array its forward pass computes from the
     * configuration instead of learning it (the Fourier ones are drawn from Java's random generator), so an export
     * to another framework carries it; empty for a network without a noise embedding.
     */
    default double[] noiseFrequencies() {
        return new double[0];
    }

    /** The trainable weights. */
    Weights weights();

    /** The configuration that rebuilds this network. */
    NetworkConfig config();
}
