package org.diffusion4j.backend;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.util.function.Function;
import org.diffusion4j.InvalidArgumentException;

/**
 * Projected gradient ascent on an ℓ∞ ball (PGD, Madry et al. 2018): from a start δ₀ inside the ball ‖δ‖∞ ≤ ε, take
 * {@code steps} signed gradient steps δ ← clip(δ + s·sign(∇f(δ)), −ε, ε) on a scalar objective f. Each step records
 * its own gradient; gradients the objective leaves on other arrays (a network's weights) are the caller's to clear.
 *
 * @param epsilon the ball's radius
 * @param steps ascent steps
 * @param stepSize each step's size s
 */
public record ProjectedAscent(double epsilon, int steps, double stepSize) {

    public ProjectedAscent {
        if (!(epsilon >= 0 && Double.isFinite(epsilon)) || steps < 0
                || !(stepSize >= 0 && Double.isFinite(stepSize))) {
            throw new InvalidArgumentException("projected gradient ascent needs ε ≥ 0, steps ≥ 0 and a step size ≥ 0, "
                    + "got " + epsilon + ", " + steps + ", " + stepSize);
        }
    }

    /** Madry et al.'s step size, 2.5·ε/steps. */
    public static ProjectedAscent madry(double epsilon, int steps) {
        return new ProjectedAscent(epsilon, steps, steps == 0 ? 0 : 2.5 * epsilon / steps);
    }

    /**
     * The ascended δ, in {@code manager}. {@code objective} maps a perturbation to a scalar; it is called once per
     * step on a copy of δ attached to that step's own manager, which it may use for its intermediate arrays.
     */
    public NDArray maximize(Function<NDArray, NDArray> objective, NDArray start, NDManager manager) {
        NDArray delta = start.duplicate();
        delta.attach(manager);
        for (int k = 0; k < steps; k++) {
            try (NDManager step = manager.newSubManager()) {
                NDArray variable = delta.duplicate();
                variable.attach(step);
                variable.setRequiresGradient(true);
                NDArray gradient;
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    collector.backward(objective.apply(variable));
                    gradient = variable.getGradient().duplicate();
                }
                NDArray moved = delta.add(Scalars.times(gradient.sign(), stepSize));
                NDArray projected = moved.minimum(Scalars.of(moved, epsilon)).maximum(Scalars.of(moved, -epsilon));
                projected.attach(manager);
                delta.close();
                delta = projected;
            }
        }
        return delta;
    }
}
