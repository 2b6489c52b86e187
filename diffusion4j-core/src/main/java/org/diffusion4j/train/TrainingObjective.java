package org.diffusion4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import org.diffusion4j.nn.Network;

/**
 * What the {@link Trainer} minimizes: a loss of one batch given its clean samples, labels, times and standard normal
 * noise. The trainer draws everything random; the objective says how much noise a batch needs and turns it into a
 * loss. {@link Objective} is the Gaussian denoising objective, {@link PhaseSpaceObjective} the phase-space one.
 */
public interface TrainingObjective {

    /**
     * The loss of one batch.
     *
     * @param network the network being trained
     * @param x0 clean samples
     * @param labels class labels (null class where dropped), or null
     * @param t one time per sample
     * @param noise standard normal noise of {@link #noiseShape}
     * @param training whether dropout is active
     */
    NDArray loss(Network network, NDArray x0, NDArray labels, double[] t, NDArray noise, boolean training);

    /**
     * The objective of one step, given its batch before the step's gradients are recorded: itself, unless the
     * objective needs work with gradients of its own first (an adversarial search, {@link AdversarialObjective}),
     * whose result the returned objective carries. Gradients that work leaves on the network's weights are cleared.
     */
    default TrainingObjective prepare(Network network, NDArray x0, NDArray labels, double[] t, NDArray noise) {
        return this;
    }

    /** The shape of the noise for a batch of clean samples shaped {@code batch}: the same, unless overridden. */
    default Shape noiseShape(Shape batch) {
        return batch;
    }
}
