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
public record RegressionObjective(RestorationTask task) implements TrainingObjective {

    @Override
    public NDArray loss(Network network, NDArray x0, NDArray labels, double[] t, NDArray noise, boolean training) {
        NDArray error = RestorationModel.regress(network, task.prior(task.observe(x0, noise)), labels, training)
                .sub(x0);
        return error.mul(error).mean();
    }
}
