package org.diffusion4j.finetune;

import ai.djl.ndarray.NDManager;
import java.util.Map;
import java.util.SplittableRandom;

/** One fine-tuning method's step: its rollouts, their rewards and its update(s) of the policy. */
interface Update {

    /**
     * Runs step {@code step} on {@code groups}.
     *
     * @param random the step's randomness (after the groups were drawn)
     * @param m the step's memory
     * @return the step's rewards and the method's named measures (averaged into metrics.jsonl)
     */
    Outcome step(long step, Groups groups, SplittableRandom random, NDManager m);

    /**
     * What a step did.
     *
     * @param rewards one per sample
     * @param measures the method's own numbers, by metrics name
     */
    record Outcome(double[] rewards, Map<String, Double> measures) {}

    /**
     * The step's samples: each group one condition and each sample its seed.
     *
     * @param classes the class of each sample (constant within a group), or null for an unconditional model
     * @param seeds one per sample
     */
    record Groups(int[] classes, long[] seeds) {
        /** M groups of G samples, classes drawn uniformly when the model has {@code classes} > 0. */
        static Groups draw(int groups, int size, int classes, SplittableRandom random) {
            int n = groups * size;
            int[] c = null;
            if (classes > 0) {
                c = new int[n];
                for (int k = 0; k < groups; k++) {
                    java.util.Arrays.fill(c, k * size, (k + 1) * size, random.nextInt(classes));
                }
            }
            long[] seeds = new long[n];
            for (int i = 0; i < n; i++) {
                seeds[i] = random.nextLong();
            }
            return new Groups(c, seeds);
        }
    }
}
