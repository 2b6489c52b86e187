package org.diffusion4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import org.diffusion4j.backend.Differentiable;
import org.diffusion4j.nn.ExtraChannels;
import org.diffusion4j.nn.Network;
import org.diffusion4j.restore.RestorationTask;

/**
 * The denoising objective of a diffusion model conditioned on an observation: each clean image x₀ is observed,
 * y = A(x₀) + σ_y·w, and the {@link Objective} of the model's process is applied with the network's input extended by
 * the prior x₁ = prior(y) ({@link ExtraChannels}). The trainer's noise has twice the data's channels: the first half
 * is the diffusion's ε, the second the observation's noise, so one seed fixes both.
 *
 * @param task the restoration task
 * @param denoising the objective of the model's process
 */
@Differentiable
public record ConditionalObjective(RestorationTask task, Objective denoising) implements TrainingObjective {

    @Override
    public Shape noiseShape(Shape batch) {
        long[] dims = batch.getShape().clone();
        dims[1] *= 2;
        return new Shape(dims);
    }

    @Override
    public NDArray loss(Network network, NDArray x0, NDArray labels, double[] t, NDArray noise, boolean training) {
        long channels = x0.getShape().get(1);
        NDArray eps = noise.get(new NDIndex(":, 0:{}", channels));
        NDArray prior = task.prior(task.observe(x0, noise.get(new NDIndex(":, {}:", channels))));
        return denoising.loss(new ExtraChannels(network, prior), x0, labels, t, eps, training);
    }
}
