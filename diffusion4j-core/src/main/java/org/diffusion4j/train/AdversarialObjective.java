package org.diffusion4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import org.diffusion4j.DiffusionException;
import org.diffusion4j.backend.ProjectedAscent;
import org.diffusion4j.backend.Scalars;
import org.diffusion4j.nn.Network;
import org.diffusion4j.restore.RestorationModel;

/**
 * Adversarial training of a restorer (the "robustified" models of Ohayon et al. 2023): before each step,
 * {@link #prepare} searches for the worst perturbation δ of the batch's observations within ‖δ‖∞ ≤ ε — projected
 * gradient ascent from a uniform start on ‖G(y + δ) − G(y)‖², G the network's output given the observation, dropout
 * off — and the step then minimises the base objective's loss plus λ·mean (G(y + δ) − G(y))² (both outputs
 * differentiated, dropout off). The start is drawn from the engine, which the trainer seeds per step, so a resumed
 * run repeats the search exactly.
 *
 * @param base the restorer's own objective
 * @param robust ε, the ascent's steps and λ
 */
public record AdversarialObjective(RestorationObjective base, RestorationModel.Robustness robust)
        implements TrainingObjective {

    @Override
    public TrainingObjective prepare(Network network, NDArray x0, NDArray labels, double[] t, NDArray noise) {
        return new Attacked(attack(network, x0, labels, t, noise));
    }

    /**
     * The batch's perturbation δ of its observations (shaped like them, no gradient): the ascent's end from a start
     * drawn from the engine; the search's gradients on the weights are cleared.
     */
    public NDArray attack(Network network, NDArray x0, NDArray labels, double[] t, NDArray noise) {
        NDArray y = base.observation(x0, noise);
        NDArray reference = base.output(network, x0, labels, t, noise, y, false).stopGradient();
        NDArray start = x0.getManager().randomUniform((float) -robust.epsilon(), (float) robust.epsilon(),
                y.getShape(), y.getDataType());
        NDArray delta = ProjectedAscent.madry(robust.epsilon(), robust.steps()).maximize(variable -> {
            NDArray change = base.output(network, x0, labels, t, noise, y.add(variable), false).sub(reference);
            return change.mul(change).sum();
        }, start, x0.getManager());
        Gradients.zero(network.weights().all());
        return delta.stopGradient();
    }

    /** Refuses: the loss needs the perturbation that {@link #prepare} finds. */
    @Override
    public NDArray loss(Network network, NDArray x0, NDArray labels, double[] t, NDArray noise, boolean training) {
        throw new DiffusionException("adversarial training finds each batch's perturbation before the step: call "
                + "prepare and take the loss of the objective it returns");
    }

    @Override
    public Shape noiseShape(Shape batch) {
        return base.noiseShape(batch);
    }

    /** The step's objective once its perturbation {@code delta} is found. */
    private final class Attacked implements TrainingObjective {
        private final NDArray delta;

        private Attacked(NDArray delta) {
            this.delta = delta;
        }

        @Override
        public NDArray loss(Network network, NDArray x0, NDArray labels, double[] t, NDArray noise,
                boolean training) {
            NDArray y = base.observation(x0, noise);
            NDArray change = base.output(network, x0, labels, t, noise, y.add(delta), false)
                    .sub(base.output(network, x0, labels, t, noise, y, false));
            return base.loss(network, x0, labels, t, noise, training)
                    .add(Scalars.times(change.mul(change).mean(), robust.weight()));
        }

        @Override
        public Shape noiseShape(Shape batch) {
            return base.noiseShape(batch);
        }
    }
}
