package org.diffusion4j.restore;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.annotation.JsonInclude;
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
 * With a {@code robust} block the model is trained adversarially ("robustified", Ohayon et al. 2023): its loss gains a
 * penalty on how far a worst-case perturbation of the observation within an ℓ∞ ball moves its output
 * ({@link org.diffusion4j.train.AdversarialObjective}).
 *
 * @param method {@code conditional} or {@code regression}
 * @param task the restoration task's spec ({@link RestorationTask#byName})
 * @param robust the adversarial training's settings, or null for plain training
 */
public record RestorationModel(String method, String task,
        @JsonInclude(JsonInclude.Include.NON_NULL) Robustness robust) {

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

    /** A model trained without an adversary. */
    public RestorationModel(String method, String task) {
        this(method, task, null);
    }

    /**
     * Adversarial training: each step first finds, by projected gradient ascent from a uniform start
     * ({@link org.diffusion4j.backend.ProjectedAscent#madry}), a perturbation δ of the batch's observations with
     * ‖δ‖∞ ≤ ε that maximises ‖G(y + δ) − G(y)‖², then minimises the model's loss plus
     * {@code weight}·mean (G(y + δ) − G(y))², where G is the network's output given the observation (the
     * regressor's x̂; for a conditional diffusion model its output F at the step's noisy image and noise level).
     *
     * @param epsilon the ball's radius, in the observation's units (images in [−1, 1]: 2/255 of [0, 1] is 4/255)
     * @param steps ascent steps per training step (at least 1)
     * @param weight the penalty's weight λ
     */
    public record Robustness(double epsilon, int steps, double weight) {

        public Robustness {
            if (!(epsilon > 0 && Double.isFinite(epsilon)) || steps < 1 || !(weight > 0 && Double.isFinite(weight))) {
                throw new InvalidArgumentException("robust (of restoration or bridge) needs epsilon > 0, steps ≥ 1 and "
                        + "weight > 0, got epsilon " + epsilon + ", steps " + steps + ", weight " + weight);
            }
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
