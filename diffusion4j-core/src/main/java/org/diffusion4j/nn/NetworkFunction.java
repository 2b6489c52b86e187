package org.diffusion4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.Arrays;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.ShapeMismatchException;

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

    /**
     * The class labels of a batch of {@code n} samples, sample i of class {@code classes[i]}: null for an
     * unconditional network, the null class ({@link #classes()}) for every sample when {@code classes} is null.
     *
     * @throws InvalidArgumentException when classes are asked of an unconditional network
     * @throws ShapeMismatchException when their count is not n
     */
    default NDArray classLabels(NDManager manager, int[] classes, int n) {
        int count = classes();
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
            throw new ShapeMismatchException(classes.length + " class labels for a batch of " + n);
        }
        return manager.create(labels);
    }

    /** The floating type the network computes in; inputs are cast to it. */
    DataType dataType();
}
