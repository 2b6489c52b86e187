package org.diffusion4j.finetune;

import org.diffusion4j.InvalidArgumentException;

/**
 * Group-normalised advantages (GRPO's, as DGPO's code computes them): samples come in consecutive groups of G that
 * share a condition; A_i = (r_i − mean of its group) / (std + 10⁻⁴), clipped to [−clip, clip], where std is the
 * group's population standard deviation, or with {@code globalStd} that of all the step's rewards. A group whose
 * rewards are all equal gets advantages of exactly zero (it carries no preference).
 */
public final class GroupAdvantages {
    private GroupAdvantages() {}

    /** The epsilon added to the standard deviation (the authors' 1e-4). */
    public static final double EPSILON = 1e-4;

    /** The advantages of {@code rewards}, in consecutive groups of {@code groupSize}. */
    public static double[] of(double[] rewards, int groupSize, boolean globalStd, double clip) {
        if (groupSize < 2) {
            throw new InvalidArgumentException("a group needs at least 2 samples to compare, got a group size of "
                    + groupSize);
        }
        if (rewards.length % groupSize != 0) {
            throw new InvalidArgumentException(rewards.length + " rewards do not form groups of " + groupSize);
        }
        double global = std(rewards, 0, rewards.length);
        double[] a = new double[rewards.length];
        for (int g = 0; g < rewards.length; g += groupSize) {
            double mean = mean(rewards, g, g + groupSize);
            double std = globalStd ? global : std(rewards, g, g + groupSize);
            boolean tied = true;
            for (int i = g; i < g + groupSize; i++) {
                tied &= rewards[i] == rewards[g];
            }
            for (int i = g; i < g + groupSize; i++) {
                a[i] = tied ? 0 : Math.max(-clip, Math.min(clip, (rewards[i] - mean) / (std + EPSILON)));
            }
        }
        return a;
    }

    private static double mean(double[] v, int from, int to) {
        double sum = 0;
        for (int i = from; i < to; i++) {
            sum += v[i];
        }
        return sum / (to - from);
    }

    private static double std(double[] v, int from, int to) {
        double mean = mean(v, from, to);
        double sum = 0;
        for (int i = from; i < to; i++) {
            sum += (v[i] - mean) * (v[i] - mean);
        }
        return Math.sqrt(sum / (to - from));
    }
}
