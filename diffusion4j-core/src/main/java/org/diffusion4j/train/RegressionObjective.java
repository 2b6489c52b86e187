package org.diffusion4j.train;

import ai.djl.ndarray.NDArray;
import org.diffusion4j.backend.Differentiable;
import org.diffusion4j.nn.Network;
import org.diffusion4j.restore.RestorationModel;
import org.diffusion4j.restore.RestorationTask;

/**
 * The MMSE regressor's loss: each clean image x₀ is observed, y = A(x₀) + σ_y·w with the trainer's noise as w's
 * source, and the network maps the prior x₁ = prior(y) to x̂ ({@link RestorationModel#regress}); the loss is
 * mean ‖x̂ − x₀‖², whose minimizer is E[x₀ | y]. The trainer's times are unused.
 *
 * @param task the restoration task
 */
@Differentiable
public record RegressionObjective(RestorationTask task) implements RestorationObjective {

    @Override
    public NDArray loss(Network network, NDArray x0, NDArray labels, double[] t, NDArray noise, boolean training) {
        NDArray error = output(network, x0, labels, t, noise, observation(x0, noise), training).sub(x0);
        return error.mul(error).mean();
    }

    @Override
    public NDArray observation(NDArray x0, NDArray noise) {
        return task.observe(x0, noise);
    }

    /** The regressor's x̂ given {@code y}. */
    @Override
    public NDArray output(Network network, NDArray x0, NDArray labels, double[] t, NDArray noise, NDArray y,
            boolean training) {
        return RestorationModel.regress(network, task.prior(y), labels, training);
    }
}
