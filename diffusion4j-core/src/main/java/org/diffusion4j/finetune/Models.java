package org.diffusion4j.finetune;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import org.diffusion4j.grid.Grid;
import org.diffusion4j.nn.Network;
import org.diffusion4j.reward.Reward;
import org.diffusion4j.train.AdamW;
import org.diffusion4j.train.Objective;
import org.diffusion4j.train.TrainingConfig;

/**
 * What a fine-tuning step works on: the starting model's config and training objective, the frozen reference (the
 * starting network), the policy being trained and its optimizer, the old model when the plan keeps one, and the
 * reward.
 *
 * @param old an EMA of the policy, or null
 */
record Models(FinetunePlan plan, TrainingConfig config, Objective objective, Network reference, Network policy,
        Network old, AdamW adam, Reward reward) {

    /** The shape of one sample. */
    Shape sampleShape() {
        return new Shape(config.data().sampleShape().stream().mapToLong(Integer::longValue).toArray());
    }

    /** The model's own grid (its sampling config's) of {@code steps} levels, ending at σ = 0. */
    Grid grid(int steps) {
        return config.sampling().gridSpec().build(steps, config.preconditioning().schedule(), true);
    }

    /** The reward of each sample. */
    double[] rewards(NDArray samples, int[] classes) {
        return reward.score(samples, classes);
    }

    /** The group advantages of {@code rewards}, as the plan normalises and clips them. */
    double[] advantages(double[] rewards) {
        return GroupAdvantages.of(rewards, plan.groupSize(), plan.globalStd(), plan.advantageClip());
    }
}
