package org.diffusion4j.bridge;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.backend.NativeArrays;
import org.diffusion4j.backend.StepScope;
import org.diffusion4j.sample.NoiseSource;

/**
 * A first-order bridge sampler (Bridge-TTS's sampling scheme): from the prior x₁ back to t = 0 on {@code steps}
 * uniform steps from 1 − {@code offset} (where the ODE's coefficients are finite) to 0, one data prediction per step,
 * each step a {@link BridgeStep}. The last step, to t = 0, returns that step's x̂₀ in both kinds. The SDE's noise
 * comes from a {@link NoiseSource}, so a seeded source reproduces a run.
 *
 * @param schedule the bridge's reference SDE
 * @param stochastic the bridge SDE (true) or the bridge ODE (false)
 * @param steps data predictions, at least 1
 * @param noiseScale the SDE's noise scale (1: exact transitions; ignored by the ODE)
 * @param offset the first step starts at 1 − offset
 */
public record BridgeSampler(BridgeSchedule schedule, boolean stochastic, int steps, double noiseScale,
        double offset) {

    /** Bridge-TTS's start, 1 − 10⁻⁵. */
    public static final double OFFSET = 1e-5;

    public BridgeSampler {
        if (steps < 1) {
            throw new InvalidArgumentException("a bridge sampler needs at least 1 step, got " + steps);
        }
        if (!(noiseScale >= 0 && Double.isFinite(noiseScale))) {
            throw new InvalidArgumentException("the bridge SDE's noise scale must be a finite number ≥ 0, got "
                    + noiseScale);
        }
        if (!(offset > 0 && offset < 1)) {
            throw new InvalidArgumentException("the bridge sampler's offset must be in (0, 1), got " + offset);
        }
    }

    /** The bridge SDE with exact transitions (noise scale 1). */
    public static BridgeSampler sde(BridgeSchedule schedule, int steps) {
        return new BridgeSampler(schedule, true, steps, 1, OFFSET);
    }

    /** The bridge ODE. */
    public static BridgeSampler ode(BridgeSchedule schedule, int steps) {
        return new BridgeSampler(schedule, false, steps, 1, OFFSET);
    }

    /** The step times, 1 − offset = t₀ &gt; t₁ &gt; … &gt; t_steps = 0, uniform. */
    public double[] times() {
        double[] t = new double[steps + 1];
        for (int i = 0; i < steps; i++) {
            t[i] = (1 - offset) * (1 - (double) i / steps);
        }
        t[steps] = 0;
        return t;
    }

    /**
     * Samples x₀ for each prior point in {@code prior} (batch first); the result belongs to {@code manager}. The SDE
     * starts at the prior itself (the bridge's variance at 1 − offset is negligible); each step runs in its own
     * {@link StepScope}.
     */
    public NDArray sample(DataPrediction model, NDArray prior, NoiseSource noise, NDManager manager) {
        double[] t = times();
        NDArray x = NativeArrays.differentiableCopy(prior, prior.getDataType()); // gradients reach the prior
        x.attach(manager);
        for (int i = 0; i < steps; i++) {
            try (StepScope scope = StepScope.open(manager, x)) {
                NDArray predicted = model.predict(x, t[i], prior);
                BridgeStep step = stochastic ? BridgeStep.sde(schedule, t[i], t[i + 1], noiseScale)
                        : BridgeStep.ode(schedule, t[i], t[i + 1]);
                NDArray fresh = step.noise() == 0 ? null : noise.sample(x, t[i], t[i + 1]);
                x = scope.keep(step.apply(x, predicted, prior, fresh));
            }
        }
        return x;
    }
}
