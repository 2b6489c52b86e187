package org.diffusion4j.train;

import ai.djl.ndarray.NDArray;
import org.diffusion4j.nn.Network;
import org.diffusion4j.restore.RestorationTask;

/**
 * A training objective of a model that restores observations: each clean image x₀ is observed, y = A(x₀) + σ_y·w
 * with w from the trainer's noise, and the loss is a function of the network's output given y. Separating the two
 * lets {@link AdversarialObjective} perturb y and compare outputs.
 */
public sealed interface RestorationObjective extends TrainingObjective
        permits RegressionObjective, ConditionalObjective, BridgeObjective {

    /** The restoration task. */
    RestorationTask task();

    /** The observations y of the batch's clean images {@code x0}, with the observation noise drawn from {@code noise}. */
    NDArray observation(NDArray x0, NDArray noise);

    /**
     * The network's output given observations {@code y} (in place of the batch's own), with everything else of the
     * batch (times, the diffusion's noise) as {@link #loss} uses it.
     */
    NDArray output(Network network, NDArray x0, NDArray labels, double[] t, NDArray noise, NDArray y,
            boolean training);
}
