package org.diffusion4j.finetune;

import java.nio.file.Path;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.train.PlanFiles;

/**
 * A DGPO fine-tuning ({@code dgpo.json} in its run directory): what {@code d4j finetune --method dgpo} was asked, so
 * {@code --resume} continues the same run. Defaults follow the authors' code ({@code Luo-Yihong/DGPO},
 * {@code config/dgpo.py}) where they apply: 10-step DPM-Solver rollouts, 4 training levels drawn from the first 7
 * of the rollout grid's levels (truncation 6: levels 0 … 6), advantages clipped to ±5, β_kl 0.02, clip range 10⁻²,
 * AdamW with weight decay 10⁻⁴ and gradients clipped at 1.
 *
 * @param model the model to fine-tune: {@code bundled:NAME} or a run directory
 * @param reward the reward spec ({@link org.diffusion4j.reward.Rewards})
 * @param groupSize G, samples per group (one condition, one shared noise per training level)
 * @param groupsPerStep groups per optimizer step
 * @param rolloutSampler the (deterministic) sampler of the rollouts
 * @param rolloutSteps its steps
 * @param guidance classifier-free guidance scale of the rollouts (1: none)
 * @param timesteps training levels per step, distinct, from the rollout grid's first {@code truncation} + 1
 * @param truncation the last index of the rollout grid a training level may take (the authors' trunc_steps)
 * @param beta β of the implicit reward (the authors' beta_dpo)
 * @param betaKl weight of the KL regulariser β_kl·‖F_θ − F_ref‖² (0: none)
 * @param clipRange the PPO-style clip against the old model (0: no clip and no old model)
 * @param oldRolloutsAfter steps after which rollouts come from the old model (the authors' switch_ema_ref; only
 *     with a clip; negative: never)
 * @param globalStd normalise advantages by the step's reward spread instead of each group's
 * @param advantageClip advantages are clipped to ±this
 * @param sharedNoise one noise per group at each training level (the authors' default), else one per sample
 * @param steps optimizer steps
 * @param learningRate AdamW's learning rate
 * @param weightDecay AdamW's decoupled weight decay
 * @param gradientClip the global gradient norm clipped to
 * @param seed everything random is a function of the seed and the step
 * @param checkpointEvery steps between checkpoints
 * @param logEvery steps between metrics lines
 * @param sampleEvery steps between preview grids (0: only the starting model's and the last)
 * @param probe the fixed reward probe (null: none)
 */
public record DgpoPlan(String model, String reward, int groupSize, int groupsPerStep, String rolloutSampler,
        int rolloutSteps, double guidance, int timesteps, int truncation, double beta, double betaKl,
        double clipRange, long oldRolloutsAfter, boolean globalStd, double advantageClip, boolean sharedNoise,
        long steps, double learningRate, double weightDecay, double gradientClip, long seed, int checkpointEvery,
        int logEvery, int sampleEvery, RewardProbe probe) implements FinetunePlan {

    /** The plan's file in the run directory. */
    public static final String FILE = "dgpo.json";

    public DgpoPlan {
        probe = probe == null ? RewardProbe.NONE : probe;
        if (model == null || model.isBlank()) {
            throw new InvalidArgumentException("--model is missing");
        }
        if (reward == null || reward.isBlank()) {
            throw new InvalidArgumentException("--reward is missing");
        }
        if (groupSize < 2) {
            throw new InvalidArgumentException("--group-size must be at least 2 (DGPO compares the samples of a "
                    + "group), got " + groupSize);
        }
        positive("--groups-per-step", groupsPerStep);
        positive("--rollout-steps", rolloutSteps);
        if (!(guidance >= 0 && Double.isFinite(guidance))) {
            throw new InvalidArgumentException("--guidance must be a finite number ≥ 0, got " + guidance);
        }
        positive("--timesteps", timesteps);
        if (truncation < 0 || truncation >= rolloutSteps) {
            throw new InvalidArgumentException("--truncation must be a level index of the " + rolloutSteps
                    + "-step rollout grid, 0 … " + (rolloutSteps - 1) + ", got " + truncation);
        }
        if (timesteps > truncation + 1) {
            throw new InvalidArgumentException("--timesteps " + timesteps + " distinct levels cannot be drawn from the "
                    + (truncation + 1) + " levels 0 … " + truncation + " (--truncation)");
        }
        positiveNumber("--beta", beta);
        nonNegative("--kl", betaKl);
        nonNegative("--clip-range", clipRange);
        positiveNumber("advantage_clip", advantageClip);
        positive("--steps", steps);
        positiveNumber("--lr", learningRate);
        nonNegative("weight_decay", weightDecay);
        positiveNumber("gradient_clip", gradientClip);
        positive("--checkpoint-every", checkpointEvery);
        positive("--log-every", logEvery);
        if (sampleEvery < 0) {
            throw new InvalidArgumentException("--sample-every must be at least 0, got " + sampleEvery);
        }
    }

    private static void positive(String option, long value) {
        if (value < 1) {
            throw new InvalidArgumentException(option + " must be at least 1, got " + value);
        }
    }

    private static void positiveNumber(String option, double value) {
        if (!(value > 0 && Double.isFinite(value))) {
            throw new InvalidArgumentException(option + " must be a finite number > 0, got " + value);
        }
    }

    private static void nonNegative(String option, double value) {
        if (!(value >= 0 && Double.isFinite(value))) {
            throw new InvalidArgumentException(option + " must be a finite number ≥ 0, got " + value);
        }
    }

    @Override
    public String method() {
        return "dgpo";
    }

    @Override
    public String file() {
        return FILE;
    }

    /** The clip needs the old model; without a clip there is none. */
    @Override
    public boolean oldModel() {
        return clipRange > 0;
    }

    @Override
    public void write(Path file) {
        PlanFiles.write(this, file);
    }

    /** Reads a plan; errors name the file. */
    public static DgpoPlan read(Path file) {
        return PlanFiles.read(file, DgpoPlan.class, "DGPO plan", "is this the --out of d4j finetune --method dgpo?");
    }
}
