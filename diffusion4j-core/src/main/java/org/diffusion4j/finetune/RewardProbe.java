package org.diffusion4j.finetune;

import java.util.SplittableRandom;
import org.diffusion4j.InvalidArgumentException;

/**
 * A fixed yardstick for a fine-tuning's progress: every {@code every} steps (and before the first), the policy
 * generates the same {@code samples} samples (the same seeds and classes each time, classes in turn 0, 1, …) with
 * one deterministic sampler and the reward scores them; metrics.jsonl gets their mean as {@code probe_reward}.
 * Rollout rewards are not comparable across methods (SDE rollouts are noisier samples than ODE ones, and they move
 * with the rollout policy); the probe is, and its time is not counted in the run's wall clock.
 *
 * @param every steps between probes (0: none)
 * @param samples samples per probe
 * @param sampler the probe's sampler spec
 * @param steps its steps
 */
public record RewardProbe(int every, int samples, String sampler, int steps) {

    /** No probe: what a plan written before probes existed reads as. */
    public static final RewardProbe NONE = new RewardProbe(0, 100, "dpmpp-2m", 10);

    public RewardProbe {
        if (every < 0 || samples < 1 || steps < 1) {
            throw new InvalidArgumentException("--probe-every must be at least 0 and --probe-samples and --probe-steps "
                    + "at least 1, got " + every + ", " + samples + " and " + steps);
        }
        if (sampler == null || sampler.isBlank()) {
            throw new InvalidArgumentException("--probe-sampler is missing");
        }
    }

    /** Whether a probe follows step {@code done} (counted from 1) of a run of {@code total} steps. */
    boolean after(long done, long total) {
        return every > 0 && (done % every == 0 || done == total);
    }

    /** The probe's fixed seeds, one per sample, from the run's seed (never the same as a step's). */
    long[] seeds(long seed) {
        SplittableRandom random = new SplittableRandom(seed ^ 0x70726f6265L);
        long[] seeds = new long[samples];
        for (int i = 0; i < samples; i++) {
            seeds[i] = random.nextLong();
        }
        return seeds;
    }

    /** The probe's classes, 0, 1, … in turn, or null for an unconditional model. */
    int[] classes(int count) {
        if (count == 0) {
            return null;
        }
        int[] classes = new int[samples];
        for (int i = 0; i < samples; i++) {
            classes[i] = i % count;
        }
        return classes;
    }
}
