package org.diffusion4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.Arrays;
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
     * The class labels of a batch of {@code n} samples, sample i of class {@code classes[i]}: null for an
     * unconditional network, the null class for every sample when {@code classes} is null.
     *
     * @throws InvalidArgumentException when classes are asked of an unconditional network, or their count is not n
     */
    default NDArray classLabels(NDManager manager, int[] classes, int n) {
        int count = config().classes();
        if (count == 0) {
            if (classes != null) {
                throw new InvalidArgumentException("this model is unconditional; it cannot sample given classes");
            }
            return null;
        }
        int[] labels = classes != null ? classes : new int[n];
        if (classes == null) {
            Arrays.fill(labels, count);
        } else if (classes.length != n) {
            throw new InvalidArgumentException(classes.length + " classes for a batch of " + n);
        }
        return manager.create(labels);
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
