package org.diffusion4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * A network as a denoiser calls it when sampling: {@code F(x, c_noise, class)} without training, in one floating
 * type. Every {@link Network} is one (its weights and configuration are the training side); so is a TorchScript
 * module loaded from a file ({@link TorchScriptNetwork}).
 */
public interface NetworkFunction {

    /**
     * F at inference; the result lives in the manager of {@code x}.
     *
     * @param x the (preconditioned) input, batch first, in {@link #dataType()}
     * @param noiseLabel c_noise per sample, shape (B), in {@link #dataType()}
     * @param classLabels class per sample, shape (B), integers; {@link #classes()} means "no class" where the network
     *     has a null class; null for an unconditional network
     */
    NDArray apply(NDArray x, NDArray noiseLabel, NDArray classLabels);

    /** Number of classes (0: unconditional). */
    int classes();

    /**
     * Whether label {@link #classes()} means "no class", so that a class-conditional network also samples
     * unconditionally and under classifier-free guidance.
     */
    boolean hasNullClass();

    /** The floating type the network computes in; inputs are cast to it. */
    DataType dataType();
}
