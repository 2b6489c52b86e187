package org.diffusion4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import org.diffusion4j.InvalidArgumentException;

/**
 * A denoising network F(x, c_noise, class): the raw function a {@code Preconditioning} turns into a denoiser.
 * Its weights live in {@link #weights()}; forward passes put their results in the manager of {@code x}. A
 * class-conditional network has a null class: label {@code classes} (trained by label dropout) means "no class".
 */
public interface Network extends NetworkFunction {

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

    /**
     * The network's bottleneck features of the same inputs as {@link #forward}, batch first, with
     * {@link #featureChannels()} channels: what a discriminator head on the network reads (DMD2's GAN head).
     *
     * @throws InvalidArgumentException for a network without such features
     */
    default NDArray features(NDArray x, NDArray noiseLabel, NDArray classLabels, boolean training) {
        throw noFeatures();
    }

    /** The channels of {@link #features}. */
    default int featureChannels() {
        throw noFeatures();
    }

    private InvalidArgumentException noFeatures() {
        return new InvalidArgumentException("a " + config().getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT)
                + " network exposes no bottleneck features (the mlp and unet networks do)");
    }

    /** The trainable weights. */
    Weights weights();

    /** The configuration that rebuilds this network. */
    NetworkConfig config();

    /** The forward pass without dropout. */
    @Override
    default NDArray apply(NDArray x, NDArray noiseLabel, NDArray classLabels) {
        return forward(x, noiseLabel, classLabels, false);
    }

    @Override
    default int classes() {
        return config().classes();
    }

    /** Always: the class embedding has a row for label {@code classes}. */
    @Override
    default boolean hasNullClass() {
        return true;
    }

    /** The type of the weights. */
    @Override
    default DataType dataType() {
        return weights().all().values().iterator().next().getDataType();
    }
}
