package org.diffusion4j.finetune;

import java.nio.file.Path;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.train.PlanFiles;

/**
 * An SDE policy-gradient fine-tuning ({@code sde-grpo.json} in its run directory), the Flow-GRPO/DDPO-style baseline
 * DGPO is measured against. Defaults follow Flow-GRPO's SD3 presets ({@code yifan123/flow_grpo},
 * {@code config/grpo.py}) where they transfer: 10 rollout steps, every stochastic transition trained, ratio clip
 * 10⁻⁴, advantages clipped to ±5, KL weight 0.04, two optimizer updates per step, gradients clipped at 1.
 *
 * @param model the model to fine-tune: {@code bundled:NAME} or a run directory
 * @param reward the reward spec ({@link org.diffusion4j.reward.Rewards})
 * @param groupSize G, samples per group
 * @param groupsPerStep groups per step
 * @param rolloutSteps steps of the ancestral (stochastic) rollout sampler on the model's grid
 * @param eta the ancestral noise's scale (1: DDPM-like; must be positive, the policy needs a likelihood)
 * @param minibatches optimizer updates per step, each on a share of the groups (whole groups)
 * @param clipRange the ratio clip ε of the PPO objective
 * @param betaKl weight of the KL term to the reference's transition (0: none)
 * @param globalStd normalise advantages by the step's reward spread instead of each group's
 * @param advantageClip advantages are clipped to ±this
 * @param steps fine-tuning steps
 * @param learningRate AdamW's learning rate
 * @param weightDecay AdamW's decoupled weight decay
 * @param gradientClip the global gradient norm clipped to
 * @param seed everything random is a function of the seed and the step
 * @param checkpointEvery steps between checkpoints
 * @param logEvery steps between metrics lines
 * @param sampleEvery steps between preview grids (0: only the starting model's and the last)
 * @param probe the fixed reward probe (null: none)
 */
public record SdeGrpoPlan(String model, String reward, int groupSize, int groupsPerStep, int rolloutSteps,
        double eta, int minibatches, double clipRange, double betaKl, boolean globalStd, double advantageClip,
        long steps, double learningRate, double weightDecay, double gradientClip, long seed, int checkpointEvery,
        int logEvery, int sampleEvery, RewardProbe probe) implements FinetunePlan {

    /** The plan's file in the run directory. */
    public static final String FILE = "sde-grpo.json";

    public SdeGrpoPlan {
        probe = probe == null ? RewardProbe.NONE : probe;
        if (model == null || model.isBlank()) {
            throw new InvalidArgumentException("--model is missing");
        }
        if (reward == null || reward.isBlank()) {
            throw new InvalidArgumentException("--reward is missing");
        }
        if (groupSize < 2) {
            throw new InvalidArgumentException("--group-size must be at least 2 (advantages compare the samples of a "
                    + "group), got " + groupSize);
        }
        if (groupsPerStep < 1 || rolloutSteps < 2) {
            throw new InvalidArgumentException("--groups-per-step must be at least 1 and --rollout-steps at least 2 "
                    + "(one stochastic transition before the last), got " + groupsPerStep + " and " + rolloutSteps);
        }
        if (!(eta > 0 && eta <= 1)) {
            throw new InvalidArgumentException("--eta must be in (0, 1] (the policy's transitions need noise for a "
                    + "likelihood), got " + eta);
        }
        if (minibatches < 1 || groupsPerStep % minibatches != 0) {
            throw new InvalidArgumentException("--minibatches must divide --groups-per-step " + groupsPerStep
                    + " (each update takes whole groups), got " + minibatches);
        }
        if (!(clipRange > 0 && clipRange < 1)) {
            throw new InvalidArgumentException("--clip-range must be in (0, 1), got " + clipRange);
        }
        if (!(betaKl >= 0 && Double.isFinite(betaKl))) {
            throw new InvalidArgumentException("--kl must be a finite number ≥ 0, got " + betaKl);
        }
        if (!(advantageClip > 0) || steps < 1 || !(learningRate > 0 && Double.isFinite(learningRate))
                || !(weightDecay >= 0) || !(gradientClip > 0)) {
            throw new InvalidArgumentException("advantage_clip, --steps, --lr and gradient_clip must be positive and "
                    + "weight_decay at least 0, got " + advantageClip + ", " + steps + ", " + learningRate + ", "
                    + gradientClip + ", " + weightDecay);
        }
        if (checkpointEvery < 1 || logEvery < 1 || sampleEvery < 0) {
            throw new InvalidArgumentException("--checkpoint-every and --log-every must be at least 1 and "
                    + "--sample-every at least 0, got " + checkpointEvery + ", " + logEvery + ", " + sampleEvery);
        }
    }

    @Override
    public String method() {
        return "sde-grpo";
    }

    @Override
    public String file() {
        return FILE;
    }

    /** The old policy of the ratio is the rollout's, recorded as log-likelihoods; no old network is kept. */
    @Override
    public boolean oldModel() {
        return false;
    }

    @Override
    public void write(Path file) {
        PlanFiles.write(this, file);
    }

    /** Reads a plan; errors name the file. */
    public static SdeGrpoPlan read(Path file) {
        return PlanFiles.read(file, SdeGrpoPlan.class, "SDE-GRPO plan", "is this the --out of d4j finetune --method "
                + "sde-grpo?");
    }
}
