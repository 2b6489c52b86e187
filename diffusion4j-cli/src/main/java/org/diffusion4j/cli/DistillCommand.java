package org.diffusion4j.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.distill.DistillationPlan;
import org.diffusion4j.distill.Dmd2Distillation;
import org.diffusion4j.distill.Dmd2Plan;
import org.diffusion4j.distill.ProgressiveDistillation;
import org.diffusion4j.train.TrainingConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code d4j distill}: distillation of a model into fewer sampling steps (progressive) or a few-step generator (DMD2). */
@Command(name = "distill", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Distil a model into fewer sampling steps (docs/distillation.md).",
            "--method progressive (Salimans & Ho 2022) halves the DDIM steps each round from --from to --to. Each round "
                    + "is a run directory OUT/steps-N (config, weights, train state, metrics, a sample grid) that "
                    + "d4j sample --run and d4j eval --run take; OUT gets distill.json, the last student "
                    + "(config.json, model.safetensors) and distill-report.json.",
            "--method dmd2 (Yin et al. 2024) trains a generator of --generator-steps model calls that matches the "
                    + "teacher in distribution (distribution matching, a fake score updated --critic-updates times per "
                    + "generator update, an optional GAN loss). OUT is one run directory (dmd2.json, config, weights, "
                    + "train state, metrics, sample grids) that d4j sample --run and d4j eval --run take.",
            "--resume continues a stopped or killed distillation exactly."})
final class DistillCommand implements Callable<Integer> {

    @Option(names = "--method", defaultValue = "progressive", paramLabel = "NAME",
            description = "The distillation method: progressive (default) or dmd2.")
    String method;

    @Option(names = "--teacher", paramLabel = "MODEL",
            description = "A Gaussian-process model: a run directory, bundled:NAME (mnist-edm) or gmm:NAME / "
                    + "gmm:FILE.json (the exact mixture; a progressive student is then a fresh MLP, a DMD2 generator "
                    + "starts from --init).")
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

    @Option(names = "--lr", paramLabel = "LR",
            description = "progressive: the peak learning rate of each round, decayed linearly to 0 within it "
                    + "(default: 1e-4); dmd2: the generator's (default: 1e-5).")
    Double learningRate;

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

    @Option(names = "--init", paramLabel = "RUN",
            description = "dmd2: the run (or bundled:NAME) whose network the generator and the fake score start from "
                    + "(default: the teacher's; required for a gmm: teacher).")
    String init;

    @Option(names = "--generator-steps", defaultValue = "1", paramLabel = "K",
            description = "dmd2: the generator's model calls per sample: 1 (one step from σ_max) or more (default: "
                    + "${DEFAULT-VALUE}).")
    int generatorSteps;

    @Option(names = "--critic-updates", defaultValue = "5", paramLabel = "N",
            description = "dmd2: fake-score (and discriminator) updates per generator update, the two time-scale "
                    + "rule (default: ${DEFAULT-VALUE}, the paper's).")
    int criticUpdates;

    @Option(names = "--gan-weight", defaultValue = "3e-3", paramLabel = "W",
            description = "dmd2: the generator's GAN loss weight; 0 trains without GAN loss or discriminator "
                    + "(default: ${DEFAULT-VALUE}, the authors' ImageNet value).")
    double ganWeight;

    @Option(names = "--critic-gan-weight", defaultValue = "1e-2", paramLabel = "W",
            description = "dmd2: the discriminator loss's weight in the critic's loss (default: ${DEFAULT-VALUE}).")
    double criticGanWeight;

    @Option(names = "--backward-simulation",
            description = "dmd2, --generator-steps ≥ 2: train each level on the generator's own chain, not on noised "
                    + "real data.")
    boolean backwardSimulation;

    @Option(names = "--guidance", defaultValue = "1", paramLabel = "W",
            description = "dmd2: classifier-free guidance scale of a class-conditional teacher's score (default: "
                    + "${DEFAULT-VALUE}, none).")
    double guidance;

    @Option(names = "--steps", defaultValue = "2000", paramLabel = "N",
            description = "dmd2: generator updates (default: ${DEFAULT-VALUE}).")
    long steps;

    @Option(names = "--critic-lr", paramLabel = "LR",
            description = "dmd2: the critic's learning rate (default: --lr).")
    Double criticLearningRate;

    @Option(names = "--warmup", defaultValue = "100", paramLabel = "N",
            description = "dmd2: generator updates of linear learning-rate warm-up (default: ${DEFAULT-VALUE}).")
    long warmup;

    @Option(names = "--sample-every", defaultValue = "500", paramLabel = "N",
            description = "dmd2: generator updates between preview grids; 0: never (default: ${DEFAULT-VALUE}).")
    int sampleEvery;

    @Option(names = "--probe-every", defaultValue = "250", paramLabel = "N",
            description = "dmd2: generator updates between the running quality probe in metrics.jsonl (Fréchet "
                    + "distance, or SWD on 2-D data); 0: never (default: ${DEFAULT-VALUE}).")
    int probeEvery;

    @Option(names = "--probe-samples", defaultValue = "500", paramLabel = "N",
            description = "dmd2: samples of each probe (default: ${DEFAULT-VALUE}).")
    int probeSamples;

    @Option(names = "--resume", description = "Continue the distillation in --out (its distill.json gives the "
            + "options; any given must match).")
    boolean resume;

    @Mixin
    DataOptions datasets;

    @Option(names = "--quiet", description = "No progress bars.")
    boolean quiet;

    @Spec
    CommandSpec spec;

    private final java.util.Set<String> warned = new java.util.HashSet<>();

    /** The options of one method only, and which. */
    private static final Map<String, List<String>> OWN = Map.of(
            "progressive", List.of("--from", "--to", "--steps-per-round", "--prediction", "--weighting",
                    "--gap-samples"),
            "dmd2", List.of("--init", "--generator-steps", "--critic-updates", "--gan-weight", "--critic-gan-weight",
                    "--backward-simulation", "--guidance", "--steps", "--critic-lr", "--warmup", "--sample-every",
                    "--probe-every", "--probe-samples"));

    @Override
    public Integer call() {
        MethodOptions.check(spec, method, OWN, List.of("progressive", "dmd2"));
        return method.equals("dmd2") ? dmd2() : progressive();
    }

    private int progressive() {
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
                            warn(message);
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
                stepsPerRound, batch, learningRate == null ? 1e-4 : learningRate, prediction, weighting, seed, checkpointEvery, logEvery,
                gapSamples);
        if (given != null) {
            return given;
        }
        if (resume) {
            return DistillationPlan.read(out.resolve(DistillationPlan.FILE));
        }
        throw new InvalidArgumentException("--teacher is required (unless --resume, which reads OUT/distill.json)");
    }

    private int dmd2() {
        Dmd2Plan plan;
        if (teacher != null) {
            double lr = learningRate == null ? 1e-5 : learningRate;
            plan = new Dmd2Plan(teacher, init, generatorSteps, criticUpdates, ganWeight, criticGanWeight,
                    backwardSimulation, guidance, steps, batch, lr, criticLearningRate == null ? lr
                    : criticLearningRate, warmup, 0.01, 10, seed, checkpointEvery, logEvery, sampleEvery, probeEvery,
                    probeSamples);
        } else if (resume) {
            plan = Dmd2Plan.read(out.resolve(Dmd2Plan.FILE));
        } else {
            throw new InvalidArgumentException("--teacher is required (unless --resume, which reads OUT/dmd2.json)");
        }
        TrainingConfig config = Dmd2Distillation.check(plan, out, resume);
        Progress[] bar = new Progress[1];
        Dmd2Distillation.Result result;
        try (Dmd2Probe probe = plan.probeEvery() > 0 ? Dmd2Probe.of(config, plan.probeSamples(),
                plan.probeEvery(), datasets.dir, this::warn) : null) {
            result = Dmd2Distillation.run(plan, out, resume, datasets.dir, datasets.download(), probe,
                    new Dmd2Distillation.Listener() {
                        @Override
                        public void started(long step, long total, long parameters) {
                            System.out.printf(Locale.ROOT, "DMD2: a %d-step generator (%d parameters) from %s, %d "
                                    + "generator updates × %d critic updates into %s%n", plan.generatorSteps(),
                                    parameters, plan.teacher(), total, plan.criticUpdates(), out);
                            bar[0] = new Progress("dmd2", total, quiet, System.err);
                            bar[0].skipTo(step);
                        }

                        @Override
                        public void stepped(long step, double loss, double imagesPerSecond) {
                            bar[0].step(String.format(Locale.ROOT, "loss %.4g, %.0f img/s", loss, imagesPerSecond));
                        }

                        @Override
                        public void probed(long step, Map<String, Double> values) {
                            System.out.println("step " + step + ": " + values.entrySet().stream().map(e -> String
                                    .format(Locale.ROOT, "%s %.4g", e.getKey(), e.getValue())).collect(
                                    java.util.stream.Collectors.joining(", ")));
                        }

                        @Override
                        public void warned(String message) {
                            warn(message);
                        }
                    });
        } finally {
            if (bar[0] != null) {
                bar[0].close();
            }
        }
        System.out.printf(Locale.ROOT, "done: %d generator updates (%d now) in %.1f s → %s (samples: d4j sample --run "
                + "%s --out samples.png)%n", result.step(), result.stepsTrained(), result.seconds(), out, out);
        return 0;
    }

    /** Prints a warning, once: the probe and the run both load the data and may note the same missing split. */
    private void warn(String message) {
        if (!warned.add(message)) {
            return;
        }
        spec.commandLine().getErr().println("d4j distill: warning: " + message);
        spec.commandLine().getErr().flush();
    }
}
