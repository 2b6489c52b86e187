package org.diffusion4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.finetune.DgpoPlan;
import org.diffusion4j.finetune.FinetunePlan;
import org.diffusion4j.finetune.Finetuning;
import org.diffusion4j.finetune.RewardProbe;
import org.diffusion4j.finetune.SdeGrpoPlan;
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
            "--method sde-grpo is the policy-gradient baseline (Flow-GRPO/DDPO style): rollouts with the ancestral "
                    + "SDE sampler, each transition's likelihood ratio in a clipped objective with a KL term.",
            "Rewards: class-probability[:classifier=mnist|fashion], thickness, compressibility, "
                    + "region[:xmin=…,xmax=…,ymin=…,ymax=…] (2-D), external:command=PATH[,timeout=S] (PATH IMAGES.npy "
                    + "CLASSES.npy SCORES.json: write a JSON array of one score per image).",
            "--resume continues a stopped or killed fine-tuning exactly."})
final class FinetuneCommand implements Callable<Integer> {

    @Option(names = "--method", defaultValue = "dgpo", paramLabel = "NAME",
            description = "The fine-tuning method: dgpo (default) or sde-grpo.")
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
            description = "dgpo: the deterministic sampler of the rollouts (default: ${DEFAULT-VALUE}).")
    String rolloutSampler;

    @Option(names = "--rollout-steps", defaultValue = "10", paramLabel = "N",
            description = "Steps of the rollout sampler (default: ${DEFAULT-VALUE}).")
    int rolloutSteps;

    @Option(names = "--eta", defaultValue = "1", paramLabel = "ETA",
            description = "sde-grpo: the ancestral noise's scale, in (0, 1] (default: ${DEFAULT-VALUE}).")
    double eta;

    @Option(names = "--minibatches", defaultValue = "2", paramLabel = "K",
            description = "sde-grpo: optimizer updates per step, each on whole groups (default: ${DEFAULT-VALUE}).")
    int minibatches;

    @Option(names = "--guidance", defaultValue = "1", paramLabel = "W",
            description = "dgpo: classifier-free guidance of the rollouts (default: ${DEFAULT-VALUE}, none).")
    double guidance;

    @Option(names = "--timesteps", defaultValue = "4", paramLabel = "K",
            description = "dgpo: training levels per step, distinct, from the rollout grid (default: "
                    + "${DEFAULT-VALUE}).")
    int timesteps;

    @Option(names = "--truncation", defaultValue = "6", paramLabel = "J",
            description = "dgpo: the last rollout-grid index a training level may take (default: ${DEFAULT-VALUE}).")
    int truncation;

    @Option(names = "--beta", defaultValue = "100", paramLabel = "B",
            description = "dgpo: β of the implicit reward (default: ${DEFAULT-VALUE}).")
    double beta;

    @Option(names = "--kl", paramLabel = "B",
            description = "Weight of the KL regulariser to the starting model (dgpo: ‖F_θ − F_ref‖², default 0.02; "
                    + "sde-grpo: the transitions' KL, default 0.04).")
    Double kl;

    @Option(names = "--clip-range", paramLabel = "C",
            description = "dgpo: the clip against the old model (a fast EMA of the policy), 0 for none, default "
                    + "0.01; sde-grpo: the ratio clip ε, default 1e-4.")
    Double clipRange;

    @Option(names = "--old-rollouts-after", defaultValue = "200", paramLabel = "N",
            description = "dgpo: steps after which rollouts come from the old model (with a clip; -1: never; "
                    + "default: ${DEFAULT-VALUE}).")
    long oldRolloutsAfter;

    @Option(names = "--global-std", description = "Normalise advantages by the step's reward spread, not each "
            + "group's.")
    boolean globalStd;

    @Option(names = "--independent-noise", description = "dgpo: one training noise per sample instead of one per "
            + "group.")
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

    @Option(names = "--probe-every", defaultValue = "10", paramLabel = "N",
            description = "Steps between reward probes: the same fixed samples generated by --probe-sampler and "
                    + "scored, logged as probe_reward and drawn in reward.png; their time is left out of the run's "
                    + "clock (0: none; default: ${DEFAULT-VALUE}).")
    int probeEvery;

    @Option(names = "--probe-samples", defaultValue = "100", paramLabel = "N",
            description = "Samples per probe, classes in turn (default: ${DEFAULT-VALUE}).")
    int probeSamples;

    @Option(names = "--probe-sampler", defaultValue = "dpmpp-2m", paramLabel = "SPEC",
            description = "The probe's deterministic sampler, the same for every method (default: ${DEFAULT-VALUE}).")
    String probeSampler;

    @Option(names = "--probe-steps", defaultValue = "10", paramLabel = "N",
            description = "The probe sampler's steps (default: ${DEFAULT-VALUE}).")
    int probeSteps;

    @Option(names = "--resume", description = "Continue the fine-tuning in --out (its dgpo.json gives the options; "
            + "any given must match).")
    boolean resume;

    @Option(names = "--compare", paramLabel = "RUN",
            description = "Other fine-tuning runs whose reward curves reward.png shows beside this one's (repeatable; "
                    + "with --resume of a finished run, just redraws the chart).")
    List<Path> compare = new ArrayList<>();

    @Option(names = "--chart-only", description = "Only redraw reward.png of the fine-tuning in --out (and the "
            + "--compare runs) from metrics.jsonl, finished or not; nothing trains.")
    boolean chartOnly;

    @Option(names = "--quiet", description = "No progress bar.")
    boolean quiet;

    @Spec
    CommandSpec spec;

    /** The options of one method only, and which. */
    private static final Map<String, List<String>> OWN = Map.of(
            "dgpo", List.of("--rollout-sampler", "--guidance", "--timesteps", "--truncation", "--beta",
                    "--old-rollouts-after", "--independent-noise"),
            "sde-grpo", List.of("--eta", "--minibatches"));

    @Override
    public Integer call() {
        if (chartOnly) {
            compare.forEach(Finetuning::saved);
            chart();
            System.out.println("reward curve: " + out.resolve(CHART));
            return 0;
        }
        MethodOptions.check(spec, method, OWN, List.of("dgpo", "sde-grpo"));
        FinetunePlan plan = plan();
        Finetuning.check(plan, out, resume);
        compare.forEach(Finetuning::saved); // a --compare that is not a fine-tuning run fails now, not after training
        Progress[] bar = new Progress[1];
        Finetuning.Result result;
        try {
            result = Finetuning.run(plan, out, resume, new Finetuning.Listener() {
                private double mean = Double.NaN;
                private double std = Double.NaN;

                @Override
                public void started(long step, long total, long parameters) {
                    System.out.printf(Locale.ROOT, "%s: %s (%d parameters) towards %s, %d steps of %d groups × %d "
                            + "into %s%n", plan.method(), plan.model(), parameters, plan.reward(), total,
                            plan.groupsPerStep(), plan.groupSize(), out);
                    bar[0] = new Progress(plan.method(), total, quiet, System.err);
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

    /**
     * Draws the mean reward against wall-clock seconds of this run and of the --compare runs, from metrics.jsonl: the
     * probe's reward where a run has probes (comparable across methods), else the rollouts' mean.
     */
    private void chart() {
        Map<String, List<double[]>> series = new java.util.LinkedHashMap<>();
        FinetunePlan plan = Finetuning.saved(out);
        for (Path run : concat(out, compare)) {
            FinetunePlan saved = Finetuning.saved(run);
            boolean probed = saved.probe().every() > 0;
            series.put(saved.method() + " (" + run.getFileName() + (probed ? ", probe)" : ", rollouts)"), curve(run,
                    probed ? "probe_reward" : "reward_mean"));
        }
        Charts.lines(out.resolve(CHART), "towards " + plan.reward(), "wall-clock seconds", "mean reward", series,
                false);
    }

    private static List<Path> concat(Path first, List<Path> rest) {
        List<Path> all = new ArrayList<>(List.of(first));
        all.addAll(rest);
        return all;
    }

    private static List<double[]> curve(Path run, String field) {
        List<double[]> points = new ArrayList<>();
        for (JsonNode line : new RunDirectory(run).readMetrics()) {
            if (line.has(field) && line.has("seconds")) {
                points.add(new double[] {line.get("seconds").asDouble(), line.get(field).asDouble()});
            }
        }
        return points;
    }

    private FinetunePlan plan() {
        if (model == null) {
            if (resume) {
                return Finetuning.saved(out);
            }
            throw new InvalidArgumentException("--model is required (unless --resume, which reads the plan in OUT)");
        }
        if (reward == null) {
            throw new InvalidArgumentException("--reward is required; one of " + String.join(", ", Rewards.names()));
        }
        RewardProbe probe = new RewardProbe(probeEvery, probeSamples, probeSampler, probeSteps);
        if (method.equals("sde-grpo")) {
            return new SdeGrpoPlan(model, reward, groupSize, groupsPerStep, rolloutSteps, eta, minibatches,
                    clipRange == null ? 1e-4 : clipRange, kl == null ? 0.04 : kl, globalStd, 5, steps, learningRate,
                    1e-4, 1, seed, checkpointEvery, logEvery, sampleEvery, probe);
        }
        return new DgpoPlan(model, reward, groupSize, groupsPerStep, rolloutSampler, rolloutSteps, guidance,
                timesteps, truncation, beta, kl == null ? 0.02 : kl, clipRange == null ? 0.01 : clipRange,
                oldRolloutsAfter, globalStd, 5, !independentNoise, steps, learningRate, 1e-4, 1, seed, checkpointEvery,
                logEvery, sampleEvery, probe);
    }
}
