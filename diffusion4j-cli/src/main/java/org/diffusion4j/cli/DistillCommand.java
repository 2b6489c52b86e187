package org.diffusion4j.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.distill.DistillationPlan;
import org.diffusion4j.distill.ProgressiveDistillation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code d4j distill}: progressive distillation of a model into fewer sampling steps. */
@Command(name = "distill", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Distil a model into fewer DDIM steps: progressive distillation (Salimans & Ho 2022), halving "
                + "the steps each round from --from to --to (docs/distillation.md).",
            "Each round is a run directory OUT/steps-N (config, weights, train state, metrics, a sample grid) that "
                    + "d4j sample --run and d4j eval --run take; OUT gets distill.json, the last student "
                    + "(config.json, model.safetensors) and distill-report.json. --resume continues a stopped or "
                    + "killed distillation exactly."})
final class DistillCommand implements Callable<Integer> {

    @Option(names = "--method", defaultValue = "progressive", paramLabel = "NAME",
            description = "The distillation method: progressive (default).")
    String method;

    @Option(names = "--teacher", paramLabel = "MODEL",
            description = "A Gaussian-process model: a run directory, bundled:NAME (mnist-edm) or gmm:NAME / "
                    + "gmm:FILE.json (the exact mixture; the student is then a fresh MLP).")
    String teacher;

    @Option(names = "--out", required = true, paramLabel = "OUT", description = "The distillation's directory.")
    Path out;

    @Option(names = "--from", defaultValue = "64", paramLabel = "N",
            description = "The teacher's DDIM steps in the first round (default: ${DEFAULT-VALUE}).")
    int from;

    @Option(names = "--to", defaultValue = "1", paramLabel = "N",
            description = "The last student's steps; --from must be --to times a power of two (default: "
                    + "${DEFAULT-VALUE}).")
    int to;

    @Option(names = "--steps-per-round", defaultValue = "5000", paramLabel = "K",
            description = "Training steps of each round (default: ${DEFAULT-VALUE}).")
    long stepsPerRound;

    @Option(names = "--batch", defaultValue = "64", paramLabel = "B",
            description = "Samples per training step (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--lr", defaultValue = "1e-4", paramLabel = "LR",
            description = "Peak learning rate of each round, decayed linearly to 0 within it (default: "
                    + "${DEFAULT-VALUE}).")
    double learningRate;

    @Option(names = "--prediction", paramLabel = "NAME",
            description = "The student's prediction for a gmm: teacher: edm (default), data, v or epsilon. A network "
                    + "teacher's student keeps the teacher's.")
    String prediction;

    @Option(names = "--weighting", defaultValue = "snr-trunc", paramLabel = "NAME",
            description = "The loss weighting: snr-trunc, max(SNR, 1)·‖x̂ − x̃‖² (the paper's; default), or native, "
                    + "the squared error of the network output under its preconditioning.")
    String weighting;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S", description = "Seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--checkpoint-every", defaultValue = "500", paramLabel = "N",
            description = "Training steps between checkpoints (default: ${DEFAULT-VALUE}).")
    int checkpointEvery;

    @Option(names = "--log-every", defaultValue = "50", paramLabel = "N",
            description = "Training steps between metrics lines (default: ${DEFAULT-VALUE}).")
    int logEvery;

    @Option(names = "--gap-samples", defaultValue = "64", paramLabel = "N",
            description = "Samples of each round's check of the student's N-step map against the teacher's 2N-step "
                    + "map (default: ${DEFAULT-VALUE}).")
    int gapSamples;

    @Option(names = "--resume", description = "Continue the distillation in --out (its distill.json gives the "
            + "options; any given must match).")
    boolean resume;

    @Mixin
    DataOptions datasets;

    @Option(names = "--quiet", description = "No progress bars.")
    boolean quiet;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        DistillationPlan plan = plan();
        long started = System.nanoTime();
        Progress[] bar = new Progress[1];
        ProgressiveDistillation.Report report;
        try {
            report = ProgressiveDistillation.run(plan, out, resume, datasets.dir, datasets.download(),
                    new ProgressiveDistillation.Listener() {
                        @Override
                        public void roundStarted(int round, int rounds, int teacherSteps, int steps, Path dir) {
                            System.out.printf(Locale.ROOT, "round %d of %d: %d → %d steps into %s%n", round, rounds,
                                    teacherSteps, steps, dir);
                            bar[0] = new Progress("round " + round + " (" + steps + " steps)", plan.stepsPerRound(),
                                    quiet, System.err);
                        }

                        @Override
                        public void started(long step, long steps, long parameters) {
                            bar[0].skipTo(step);
                        }

                        @Override
                        public void stepped(long step, double loss, double imagesPerSecond) {
                            bar[0].step(String.format(Locale.ROOT, "loss %.4g, %.0f img/s", loss, imagesPerSecond));
                        }

                        @Override
                        public void roundFinished(ProgressiveDistillation.Round r) {
                            if (bar[0] != null) {
                                bar[0].close();
                                bar[0] = null;
                            }
                            System.out.printf(Locale.ROOT, "round %d done: %d steps, %d training steps in %.1f s, "
                                    + "loss %.4g, gap to the teacher's %d-step map %.4g (RMS, %d samples)%n",
                                    r.round(), r.steps(), r.trainingSteps(), r.wallSeconds(), r.loss(),
                                    r.teacherSteps(), r.teacherGapRms(), r.gapSamples());
                        }

                        @Override
                        public void warned(String message) {
                            spec.commandLine().getErr().println("d4j distill: warning: " + message);
                            spec.commandLine().getErr().flush();
                        }
                    });
        } finally {
            if (bar[0] != null) {
                bar[0].close();
            }
        }
        System.out.printf(Locale.ROOT, "done: %d rounds, %.1f s of training (%.1f s in this session) → %s "
                + "(samples in %d steps: d4j sample --run %s --out samples.png)%n", report.rounds().size(),
                report.wallSeconds(), (System.nanoTime() - started) / 1e9, out.resolve(ProgressiveDistillation.REPORT),
                report.finalSteps(), out);
        return 0;
    }

    private DistillationPlan plan() {
        DistillationPlan given = teacher == null ? null : new DistillationPlan(method, teacher, from, to,
                stepsPerRound, batch, learningRate, prediction, weighting, seed, checkpointEvery, logEvery,
                gapSamples);
        if (given != null) {
            return given;
        }
        if (resume) {
            return DistillationPlan.read(out.resolve(DistillationPlan.FILE));
        }
        throw new InvalidArgumentException("--teacher is required (unless --resume, which reads OUT/distill.json)");
    }
}
