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
public record ConditionalObjective(RestorationTask task, Objective denoising) implements RestorationObjective {

    @Override
    public Shape noiseShape(Shape batch) {
        long[] dims = batch.getShape().clone();
        dims[1] *= 2;
        return new Shape(dims);
    }

    @Override
    public NDArray loss(Network network, NDArray x0, NDArray labels, double[] t, NDArray noise, boolean training) {
        return denoising.loss(conditioned(network, observation(x0, noise)), x0, labels, t, diffusionNoise(x0, noise),
                training);
    }

    @Override
    public NDArray observation(NDArray x0, NDArray noise) {
        return task.observe(x0, noise.get(new NDIndex(":, {}:", x0.getShape().get(1))));
    }

    /** The network's output F at the batch's noisy images and noise levels, conditioned on {@code y}. */
    @Override
    public NDArray output(Network network, NDArray x0, NDArray labels, double[] t, NDArray noise, NDArray y,
            boolean training) {
        return denoising.perSample(conditioned(network, y), x0, labels, t, diffusionNoise(x0, noise), training)
                .output();
    }

    private Network conditioned(Network network, NDArray y) {
        return new ExtraChannels(network, task.prior(y));
    }

    private static NDArray diffusionNoise(NDArray x0, NDArray noise) {
        return noise.get(new NDIndex(":, 0:{}", x0.getShape().get(1)));
    }
}
