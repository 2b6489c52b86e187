package org.diffusion4j.reward;

import ai.djl.ndarray.NDArray;

/**
 * A score per generated sample, higher is better: what preference fine-tuning ({@code d4j finetune}) maximises.
 * Implementations are made by {@link Rewards#create} from a spec such as {@code class-probability} or
 * {@code external:command=./score.sh}.
 */
public interface Reward extends AutoCloseable {

    /** The spec this reward was made from, for metrics and messages. */
    String spec();

    /** Whether the reward reads the requested classes (so the model must be class-conditional). */
    default boolean needsClasses() {
        return false;
    }

    /**
     * One score per sample.
     *
     * @param samples n samples, batch first (images n × C × H × W with values in [−1, 1])
     * @param classes the class each sample was generated for, or null for an unconditional model
     * @throws RewardException when the scores cannot be computed (nothing is to be applied from this batch)
     */
    double[] score(NDArray samples, int[] classes);

    @Override
    default void close() {}
}
