package org.diffusion4j.distill;

import java.nio.file.Path;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.train.PlanFiles;

/**
 * A DMD2 distillation ({@code dmd2.json} in its run directory): what {@code d4j distill --method dmd2} was asked, so
 * {@code --resume} continues the same run. Defaults follow the authors' ImageNet-64 scripts where they apply
 * ({@code tianweiy/DMD2}: five critic updates per generator update, GAN weights 3e-3 and 1e-2, AdamW with weight
 * decay 0.01, gradient norms clipped at 10).
 *
 * @param teacher the real score, as named: {@code bundled:NAME}, a run directory, or {@code gmm:NAME} (an exact
 *     mixture, which needs {@code init})
 * @param init the run whose network the generator and the fake score start from; null: the teacher's own network
 * @param generatorSteps the generator's levels: 1 (one step from σ_max) or more (DMD2's multi-step generator)
 * @param criticUpdates fake-score (and discriminator) updates per generator update, the two time-scale rule
 * @param ganWeight the generator's GAN loss weight (0: no GAN loss, and no discriminator)
 * @param criticGanWeight the discriminator loss's weight in the critic's loss
 * @param backwardSimulation multi-step only: the generator's input at level k comes from running its own chain
 *     (DMD2 §4.5), not from noised real data
 * @param guidance classifier-free guidance scale of the real score for a class-conditional teacher (1: the plain
 *     conditional teacher)
 * @param steps generator updates
 * @param batch samples per update
 * @param learningRate the generator's AdamW learning rate
 * @param criticLearningRate the critic's (fake score and discriminator head)
 * @param warmup generator updates of linear learning-rate warm-up (both optimizers)
 * @param weightDecay AdamW's decoupled weight decay (both)
 * @param gradientClip the global gradient norm each optimizer clips to
 * @param seed everything random is a function of the seed and the iteration
 * @param checkpointEvery generator updates between checkpoints
 * @param logEvery generator updates between metrics lines
 * @param sampleEvery generator updates between preview grids (0: never)
 * @param probeEvery generator updates between the running quality probe (a Fréchet distance, or SWD on 2-D data;
 *     0: never)
 * @param probeSamples samples of each probe
 */
public record Dmd2Plan(String teacher, String init, int generatorSteps, int criticUpdates, double ganWeight,
        double criticGanWeight, boolean backwardSimulation, double guidance, long steps, int batch,
        double learningRate, double criticLearningRate, long warmup, double weightDecay, double gradientClip,
        long seed, int checkpointEvery, int logEvery, int sampleEvery, int probeEvery, int probeSamples) {

    /** The plan's file in the run directory. */
    public static final String FILE = "dmd2.json";

    /** Levels of the noise table every training level is drawn from (the authors' 1000 Karras levels). */
    public static final int TABLE = 1000;

    /** The distribution-matching levels are table indices [0.02·TABLE, 0.98·TABLE] (the authors' min/max_step). */
    public static final int DM_MIN = 20;

    /** See {@link #DM_MIN}. */
    public static final int DM_MAX = 980;

    public Dmd2Plan {
        if (teacher == null || teacher.isBlank()) {
            throw new InvalidArgumentException("--teacher is missing");
        }
        if (generatorSteps < 1 || generatorSteps > TABLE) {
            throw new InvalidArgumentException("--generator-steps must be between 1 and " + TABLE + ", got "
                    + generatorSteps);
        }
        positive("--critic-updates", criticUpdates);
        nonNegative("--gan-weight", ganWeight);
        nonNegative("critic_gan_weight", criticGanWeight);
        if (backwardSimulation && generatorSteps == 1) {
            throw new InvalidArgumentException("--backward-simulation trains a multi-step generator's later levels on "
                    + "its own chain; it needs --generator-steps of at least 2, got 1");
        }
        nonNegative("--guidance", guidance);
        positive("--steps", steps);
        positive("--batch", batch);
        if (!(learningRate > 0 && Double.isFinite(learningRate))) {
            throw new InvalidArgumentException("--lr must be positive, got " + learningRate);
        }
        if (!(criticLearningRate > 0 && Double.isFinite(criticLearningRate))) {
            throw new InvalidArgumentException("--critic-lr must be positive, got " + criticLearningRate);
        }
        if (warmup < 0) {
            throw new InvalidArgumentException("--warmup must be at least 0, got " + warmup);
        }
        nonNegative("weight_decay", weightDecay);
        if (!(gradientClip > 0)) {
            throw new InvalidArgumentException("gradient_clip must be positive, got " + gradientClip);
        }
        positive("--checkpoint-every", checkpointEvery);
        positive("--log-every", logEvery);
        if (sampleEvery < 0 || probeEvery < 0) {
            throw new InvalidArgumentException("--sample-every and --probe-every must be at least 0 (0: never), got "
                    + sampleEvery + " and " + probeEvery);
        }
        positive("--probe-samples", probeSamples);
    }

    private static void positive(String option, long value) {
        if (value < 1) {
            throw new InvalidArgumentException(option + " must be at least 1, got " + value);
        }
    }

    private static void nonNegative(String option, double value) {
        if (!(value >= 0 && Double.isFinite(value))) {
            throw new InvalidArgumentException(option + " must be a finite number ≥ 0, got " + value);
        }
    }

    /** Whether the GAN loss (and its discriminator head) is on. */
    public boolean gan() {
        return ganWeight > 0;
    }

    /**
     * The table indices of the generator's levels, from σ_max down: {@code TABLE − 1 − k·(TABLE / K)}, k &lt; K
     * (the authors' SDXL list 999, 749, 499, 249 for K = 4; 999 alone for one step).
     */
    public int[] levelIndices() {
        int[] out = new int[generatorSteps];
        for (int k = 0; k < generatorSteps; k++) {
            out[k] = TABLE - 1 - k * (TABLE / generatorSteps);
        }
        return out;
    }

    /** Writes the plan, atomically. */
    public void write(Path file) {
        PlanFiles.write(this, file);
    }

    /** Reads a plan; errors name the file. */
    public static Dmd2Plan read(Path file) {
        return PlanFiles.read(file, Dmd2Plan.class, "DMD2 plan", "is this the --out of d4j distill --method dmd2?");
    }
}
