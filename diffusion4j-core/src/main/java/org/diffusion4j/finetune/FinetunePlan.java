package org.diffusion4j.finetune;

import java.nio.file.Path;

/**
 * What every fine-tuning method's plan says (its record is the method's options, written to its run directory so a
 * resume continues the same run): the model, the reward, the groups each step rolls out, the optimizer and the
 * run's rhythm. {@link DgpoPlan} and {@link SdeGrpoPlan} implement it.
 */
public interface FinetunePlan {

    /** The method's name on the command line ({@code dgpo}, {@code sde-grpo}). */
    String method();

    /** The plan's file in the run directory. */
    String file();

    /** The model to fine-tune: {@code bundled:NAME} or a run directory. */
    String model();

    /** The reward spec ({@link org.diffusion4j.reward.Rewards}). */
    String reward();

    /** G, samples per group (one condition each). */
    int groupSize();

    /** Groups per step. */
    int groupsPerStep();

    /** Normalise advantages by the step's reward spread instead of each group's. */
    boolean globalStd();

    /** Advantages are clipped to ±this. */
    double advantageClip();

    /** Fine-tuning steps (each rolls out {@link #samplesPerStep} samples). */
    long steps();

    /** AdamW's learning rate. */
    double learningRate();

    /** AdamW's decoupled weight decay. */
    double weightDecay();

    /** The global gradient norm clipped to. */
    double gradientClip();

    /** Everything random is a function of the seed and the step. */
    long seed();

    /** Steps between checkpoints. */
    int checkpointEvery();

    /** Steps between metrics lines. */
    int logEvery();

    /** Steps between preview grids (0: only the starting model's and the last). */
    int sampleEvery();

    /** The fixed reward probe ({@link RewardProbe#NONE}: none). */
    RewardProbe probe();

    /** Whether the run keeps an "old" model (an EMA of the policy) beside the policy. */
    boolean oldModel();

    /** Samples per step. */
    default int samplesPerStep() {
        return groupSize() * groupsPerStep();
    }

    /** Writes the plan to {@code file}, atomically. */
    void write(Path file);
}
