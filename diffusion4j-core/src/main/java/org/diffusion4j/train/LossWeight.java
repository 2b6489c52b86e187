package org.diffusion4j.train;

import java.util.List;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.SpecOptions;
import org.diffusion4j.process.NoiseSchedule;

/**
 * SiT's loss weights for noise- and score-predicting interpolant models (Ma et al. 2024, Section 3 and their
 * {@code Transport.training_losses}): the squared error is weighted per sample by a function of the path's
 * diffusion d(t) = σσ' − (α'/α)σ², written here in diffusion4j's time (data at t = 0; SiT's code runs from noise to
 * data, which flips the signs of α' and σ' and leaves d unchanged). {@code none} weights 1, {@code velocity}
 * (d/σ)², which makes the loss the velocity's error, and {@code likelihood} d/σ², the weight that makes the loss
 * a bound on the negative log-likelihood. SiT measures a score model's error as ‖σ·ŝ + ε‖², so for
 * {@code score} prediction the weight is multiplied by σ² to act on the network output F = ŝ. Velocity-predicting
 * models train unweighted, as in SiT; other predictions take only {@code none}.
 */
public enum LossWeight {
    NONE, VELOCITY, LIKELIHOOD;

    /** The predictions SiT's weights apply to. */
    private static final List<String> WEIGHTED_PREDICTIONS = List.of("epsilon", "score");

    /** Parses {@code none}, {@code velocity} or {@code likelihood}. */
    public static LossWeight parse(String name) {
        return SpecOptions.enumByName("loss weight", name, LossWeight.class);
    }

    /** The name in configs. */
    public String label() {
        return SpecOptions.label(this);
    }

    /** Fails unless this weight applies to a network trained to output {@code prediction}. */
    public void check(String prediction) {
        if (this != NONE && !WEIGHTED_PREDICTIONS.contains(prediction)) {
            throw new InvalidArgumentException("loss weight " + label() + " applies to epsilon or score prediction "
                    + "(SiT's noise and score models); prediction " + prediction + " trains unweighted (none)");
        }
    }

    /** SiT's diffusion d(t) = σσ' − (α'/α)σ² = −σ²·dλ/dt of {@code schedule} at {@code t}. */
    public static double diffusion(NoiseSchedule schedule, double t) {
        double alpha = schedule.alpha(t);
        double sigma = schedule.sigma(t);
        return sigma * schedule.sigmaDerivative(t) - schedule.alphaDerivative(t) / alpha * sigma * sigma;
    }

    /** The weight of a sample at time {@code t} on the squared error of the network output F. */
    public double weight(NoiseSchedule schedule, double t, String prediction) {
        if (this == NONE) {
            return 1;
        }
        check(prediction);
        double sigma = schedule.sigma(t);
        double d = diffusion(schedule, t);
        double w = this == VELOCITY ? (d / sigma) * (d / sigma) : d / (sigma * sigma);
        return prediction.equals("score") ? w * sigma * sigma : w;
    }
}
