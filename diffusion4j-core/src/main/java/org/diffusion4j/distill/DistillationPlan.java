package org.diffusion4j.distill;

import java.nio.file.Path;
import java.util.List;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.train.PlanFiles;
import org.diffusion4j.train.TrainingConfig;

/**
 * What a progressive distillation does, stored as {@code distill.json} in its output directory so that a resume
 * repeats it exactly: halve the teacher's DDIM steps from {@code from} down to {@code to}, one round per halving.
 *
 * @param method {@code progressive}
 * @param teacher the teacher as named: {@code bundled:NAME}, {@code gmm:NAME} / {@code gmm:FILE.json} or a run
 *     directory of a Gaussian-process model
 * @param from the teacher's steps in the first round (the first student takes half)
 * @param to the last student's steps; {@code from = to·2^k}, k ≥ 1
 * @param stepsPerRound training steps of each round
 * @param batch samples per training step
 * @param learningRate the peak learning rate of each round (decayed linearly to 0 within the round, as the paper)
 * @param prediction the student's prediction for a mixture teacher ({@code edm}, {@code data}, {@code v},
 *     {@code epsilon}); a network teacher's student keeps the teacher's, so null (or the same) there
 * @param weighting {@code snr-trunc} or {@code native} ({@link ProgressiveObjective})
 * @param seed each round's training seed is seed + round
 * @param checkpointEvery training steps between checkpoints within a round
 * @param logEvery training steps between metrics lines
 * @param gapSamples samples of the per-round check of the student's N-step map against the teacher's 2N-step map
 */
public record DistillationPlan(String method, String teacher, int from, int to, long stepsPerRound, int batch,
        double learningRate, String prediction, String weighting, long seed, int checkpointEvery, int logEvery,
        int gapSamples) {

    /** The plan's file in a distillation's output directory. */
    public static final String FILE = "distill.json";

    /** The student predictions a mixture teacher's student may take. */
    public static final List<String> PREDICTIONS = List.of("edm", "data", "v", "epsilon");

    public DistillationPlan {
        if (!"progressive".equals(method)) {
            throw new org.diffusion4j.UnknownNameException("distillation method", method, List.of("progressive"));
        }
        if (teacher == null || teacher.isBlank()) {
            throw new InvalidArgumentException("--teacher is missing");
        }
        if (to < 1) {
            throw new InvalidArgumentException("--to must be at least 1, got " + to);
        }
        if (from <= to || from % to != 0 || Integer.bitCount(from / to) != 1) {
            throw new InvalidArgumentException("--from must be --to times a power of two (2, 4, 8, …): expected "
                    + to + "·2^k, got --from " + from + " with --to " + to
                    + (from > to && from % to == 0 ? " (ratio " + from / to + ")" : ""));
        }
        positive("--steps-per-round", stepsPerRound);
        positive("--batch", batch);
        if (!(learningRate > 0 && Double.isFinite(learningRate))) {
            throw new InvalidArgumentException("--lr must be positive, got " + learningRate);
        }
        if (prediction != null && !PREDICTIONS.contains(prediction)) {
            throw new org.diffusion4j.UnknownNameException("--prediction", prediction, PREDICTIONS);
        }
        if (!TrainingConfig.Distillation.WEIGHTINGS.contains(weighting)) {
            throw new org.diffusion4j.UnknownNameException("--weighting", weighting,
                    TrainingConfig.Distillation.WEIGHTINGS);
        }
        positive("--checkpoint-every", checkpointEvery);
        positive("--log-every", logEvery);
        positive("gap_samples", gapSamples);
    }

    private static void positive(String option, long value) {
        if (value < 1) {
            throw new InvalidArgumentException(option + " must be at least 1, got " + value);
        }
    }

    /** The number of rounds: log2(from/to). */
    public int rounds() {
        return Integer.numberOfTrailingZeros(from / to);
    }

    /** The student's steps after round {@code round} (1-based): from/2^round. */
    public int studentSteps(int round) {
        return from >> round;
    }

    /** The directory of the round whose student takes {@code steps} steps. */
    public static Path roundDirectory(Path out, int steps) {
        return out.resolve("steps-" + steps);
    }

    /** Writes the plan, atomically. */
    public void write(Path file) {
        PlanFiles.write(this, file);
    }

    /** Reads a plan; errors name the file. */
    public static DistillationPlan read(Path file) {
        return PlanFiles.read(file, DistillationPlan.class, "distillation plan", "is this the --out of d4j distill?");
    }
}
