package org.diffusion4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.UnknownNameException;
import org.diffusion4j.finetune.DgpoFinetuning;
import org.diffusion4j.finetune.DgpoPlan;
import org.diffusion4j.reward.Rewards;
import org.diffusion4j.train.RunDirectory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code d4j finetune}: preference fine-tuning of a model towards a reward. */
@Command(name = "finetune", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Fine-tune a model towards a reward (docs/finetuning.md).",
            "--method dgpo (Direct Group Preference Optimization, Luo, Hu & Tang) rolls out groups of samples with a "
                    + "fast deterministic sampler, turns their rewards into group advantages and trains the model's "
                    + "own denoising loss with a group-level Bradley-Terry objective against the frozen starting "
                    + "model. OUT is one run directory (dgpo.json, config, weights, train state, metrics.jsonl, "
                    + "reward.png, sample grids) that d4j sample --run and d4j eval --run take.",
            "Rewards: class-probability[:classifier=mnist|fashion], thickness, compressibility, "
                    + "region[:xmin=…,xmax=…,ymin=…,ymax=…] (2-D), external:command=PATH[,timeout=S] (PATH IMAGES.npy "
                    + "CLASSES.npy SCORES.json: write a JSON array of one score per image).",
            "--resume continues a stopped or killed fine-tuning exactly."})
final class FinetuneCommand implements Callable<Integer> {

    @Option(names = "--method", defaultValue = "dgpo", paramLabel = "NAME",
            description = "The fine-tuning method: dgpo (default).")
    String method;

    @Option(names = "--model", paramLabel = "MODEL",
            description = "The Gaussian diffusion or flow model to fine-tune: a run directory or bundled:NAME.")
    String model;

    @Option(names = "--reward", paramLabel = "SPEC", description = "What to maximise: NAME[:key=value,…].")
    String reward;

    @Option(names = "--out", required = true, paramLabel = "OUT", description = "The fine-tuning's run directory.")
    Path out;

    @Option(names = "--group-size", defaultValue = "16", paramLabel = "G",
            description = "Samples per group, one condition each (default: ${DEFAULT-VALUE}).")
    int groupSize;

    @Option(names = "--groups-per-step", defaultValue = "8", paramLabel = "M",
            description = "Groups per optimizer step (default: ${DEFAULT-VALUE}).")
    int groupsPerStep;

    @Option(names = "--rollout-sampler", defaultValue = "dpmpp-2m", paramLabel = "SPEC",
            description = "The deterministic sampler of the rollouts (default: ${DEFAULT-VALUE}).")
    String rolloutSampler;

    @Option(names = "--rollout-steps", defaultValue = "10", paramLabel = "N",
            description = "Its steps (default: ${DEFAULT-VALUE}).")
    int rolloutSteps;

    @Option(names = "--guidance", defaultValue = "1", paramLabel = "W",
            description = "Classifier-free guidance of the rollouts (default: ${DEFAULT-VALUE}, none).")
    double guidance;

    @Option(names = "--timesteps", defaultValue = "4", paramLabel = "K",
            description = "Training levels per step, distinct, from the rollout grid (default: ${DEFAULT-VALUE}).")
    int timesteps;

    @Option(names = "--truncation", defaultValue = "6", paramLabel = "J",
            description = "The last rollout-grid index a training level may take (default: ${DEFAULT-VALUE}).")
    int truncation;

    @Option(names = "--beta", defaultValue = "100", paramLabel = "B",
            description = "β of the implicit reward (default: ${DEFAULT-VALUE}).")
    double beta;

    @Option(names = "--kl", defaultValue = "0.02", paramLabel = "B",
            description = "Weight of the KL regulariser ‖F_θ − F_ref‖² (default: ${DEFAULT-VALUE}).")
    double kl;

    @Option(names = "--clip-range", defaultValue = "0.01", paramLabel = "C",
            description = "The clip against the old model (a fast EMA of the policy); 0: none (default: "
                    + "${DEFAULT-VALUE}).")
    double clipRange;

    @Option(names = "--old-rollouts-after", defaultValue = "200", paramLabel = "N",
            description = "Steps after which rollouts come from the old model (with a clip; -1: never; default: "
                    + "${DEFAULT-VALUE}).")
    long oldRolloutsAfter;

    @Option(names = "--global-std", description = "Normalise advantages by the step's reward spread, not each "
            + "group's.")
    boolean globalStd;

    @Option(names = "--independent-noise", description = "One training noise per sample instead of one per group.")
    boolean independentNoise;

    @Option(names = "--steps", defaultValue = "200", paramLabel = "N",
            description = "Optimizer steps (default: ${DEFAULT-VALUE}).")
    long steps;

    @Option(names = "--lr", defaultValue = "1e-5", paramLabel = "LR",
            description = "AdamW's learning rate (default: ${DEFAULT-VALUE}).")
    double learningRate;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S", description = "Seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--checkpoint-every", defaultValue = "10", paramLabel = "N",
            description = "Steps between checkpoints (default: ${DEFAULT-VALUE}).")
    int checkpointEvery;

    @Option(names = "--log-every", defaultValue = "1", paramLabel = "N",
            description = "Steps between metrics lines (default: ${DEFAULT-VALUE}).")
    int logEvery;

    @Option(names = "--sample-every", defaultValue = "0", paramLabel = "N",
            description = "Steps between sample grids (0: only before and after; default: ${DEFAULT-VALUE}).")
    int sampleEvery;

    @Option(names = "--resume", description = "Continue the fine-tuning in --out (its dgpo.json gives the options; "
            + "any given must match).")
    boolean resume;

    @Option(names = "--quiet", description = "No progress bar.")
    boolean quiet;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (!method.equals("dgpo")) {
            throw new UnknownNameException("--method", method, List.of("dgpo"));
        }
        DgpoPlan plan = plan();
        DgpoFinetuning.check(plan, out, resume);
        Progress[] bar = new Progress[1];
        DgpoFinetuning.Result result;
        try {
            result = DgpoFinetuning.run(plan, out, resume, new DgpoFinetuning.Listener() {
                private double mean = Double.NaN;
                private double std = Double.NaN;

                @Override
                public void started(long step, long total, long parameters) {
                    System.out.printf(Locale.ROOT, "DGPO: %s (%d parameters) towards %s, %d steps of %d groups × %d "
                            + "into %s%n", plan.model(), parameters, plan.reward(), total, plan.groupsPerStep(),
                            plan.groupSize(), out);
                    bar[0] = new Progress("dgpo", total, quiet, System.err);
                    bar[0].skipTo(step);
                }

                @Override
                public void rewarded(long step, double mean, double std) {
                    this.mean = mean;
                    this.std = std;
                }

                @Override
                public void stepped(long step, double loss, double samplesPerSecond) {
                    bar[0].step(String.format(Locale.ROOT, "reward %.4g ± %.3g, objective %.4g", mean, std, loss));
                }

                @Override
                public void checkpointed(long step) {
                    chart();
                }

                @Override
                public void warned(String message) {
                    spec.commandLine().getErr().println("d4j finetune: warning: " + message);
                    spec.commandLine().getErr().flush();
                }
            });
        } finally {
            if (bar[0] != null) {
                bar[0].close();
            }
        }
        chart();
        System.out.printf(Locale.ROOT, "done: %d steps (%d now) in %.1f s → %s (reward curve: %s; samples: d4j sample "
                + "--run %s --out samples.png)%n", result.step(), result.stepsTrained(), result.seconds(), out,
                out.resolve(CHART), out);
        return 0;
    }

    /** The reward chart's file in the run directory. */
    static final String CHART = "reward.png";

    /** Draws the run's mean reward against its wall-clock seconds from metrics.jsonl. */
    private void chart() {
        List<double[]> points = new ArrayList<>();
        for (JsonNode line : new RunDirectory(out).readMetrics()) {
            if (line.has("reward_mean") && line.has("seconds")) {
                points.add(new double[] {line.get("seconds").asDouble(), line.get("reward_mean").asDouble()});
            }
        }
        Charts.lines(out.resolve(CHART), "DGPO towards " + reward(), "wall-clock seconds", "mean reward",
                Map.of(method, points), false);
    }

    private String reward() {
        return reward != null ? reward : DgpoPlan.read(out.resolve(DgpoPlan.FILE)).reward();
    }

    private DgpoPlan plan() {
        if (model == null) {
            if (resume) {
                return DgpoPlan.read(out.resolve(DgpoPlan.FILE));
            }
            throw new InvalidArgumentException("--model is required (unless --resume, which reads OUT/dgpo.json)");
        }
        if (reward == null) {
            throw new InvalidArgumentException("--reward is required; one of " + String.join(", ", Rewards.names()));
        }
        return new DgpoPlan(model, reward, groupSize, groupsPerStep, rolloutSampler, rolloutSteps, guidance,
                timesteps, truncation, beta, kl, clipRange, oldRolloutsAfter, globalStd, 5, !independentNoise, steps,
                learningRate, 1e-4, 1, seed, checkpointEvery, logEvery, sampleEvery);
    }
}
