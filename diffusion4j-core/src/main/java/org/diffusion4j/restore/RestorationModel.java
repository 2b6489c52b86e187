package org.diffusion4j.restore;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.UnknownNameException;
import org.diffusion4j.nn.Network;

/**
 * A model trained to restore the observations of one task (a training config's {@code restoration} block), other than
 * a bridge (which has its own block, {@link ImageBridge}):
 * <ul>
 *   <li>{@code conditional}: a diffusion model from noise given the observation (SR3's conditioning): the
 *       preconditioned network takes [c_in·x_t, x₁], the noisy image and the prior x₁ = prior(y) stacked along the
 *       channels, and is trained and sampled as any model of its Gaussian process — stochastic or deterministic
 *       by the sampler;</li>
 *   <li>{@code regression}: the MMSE regressor, a deterministic map x₁ ↦ x̂ trained with the squared error to
 *       the clean image (so it estimates E[x | y]), one network call.</li>
 * </ul>
 *
 * @param method {@code conditional} or {@code regression}
 * @param task the restoration task's spec ({@link RestorationTask#byName})
 */
public record RestorationModel(String method, String task) {

    /** The methods. */
    public static final List<String> METHODS = List.of("conditional", "regression");

    public RestorationModel {
        if (method == null || task == null) {
            throw new InvalidArgumentException("a restoration model needs a method and a task, e.g. {\"method\": "
                    + "\"regression\", \"task\": \"sr4\"}");
        }
        if (!METHODS.contains(method)) {
            throw new UnknownNameException("restoration method", method, METHODS);
        }
        try {
            RestorationTask.byName(task);
        } catch (org.diffusion4j.DiffusionException e) {
            throw new InvalidArgumentException("restoration: " + e.getMessage());
        }
    }

    /** Whether this is the MMSE regressor. */
    public boolean regression() {
        return method.equals("regression");
    }

    /** The task whose observations the model restores. */
    public RestorationTask restoration() {
        return RestorationTask.byName(task);
    }

    /** The regressor's x̂ = F(x₁, c_noise = 0) for priors {@code prior} (batch first), one network call. */
    public static NDArray regress(Network network, NDArray prior, NDArray classLabels, boolean training) {
        NDArray noiseLabel = prior.getManager().zeros(new Shape(prior.getShape().get(0)), prior.getDataType());
        return network.forward(prior, noiseLabel, classLabels, training);
    }
}
