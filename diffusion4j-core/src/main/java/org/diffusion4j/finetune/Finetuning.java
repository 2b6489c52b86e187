package org.diffusion4j.finetune;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.diffusion4j.DiffusionException;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.backend.EngineThreads;
import org.diffusion4j.generate.GenerationRequest;
import org.diffusion4j.io.FileFormatException;
import org.diffusion4j.nn.Network;
import org.diffusion4j.reward.Reward;
import org.diffusion4j.reward.RewardException;
import org.diffusion4j.reward.Rewards;
import org.diffusion4j.sample.SamplerRegistry;
import org.diffusion4j.train.AdamW;
import org.diffusion4j.train.ModelSource;
import org.diffusion4j.train.Objective;
import org.diffusion4j.train.PlanFiles;
import org.diffusion4j.train.RunDirectory;
import org.diffusion4j.train.RunLock;
import org.diffusion4j.train.TrainedModel;
import org.diffusion4j.train.Trainer;
import org.diffusion4j.train.TrainingConfig;

/**
 * Preference fine-tuning of a Gaussian diffusion or flow model towards a reward, by any {@link FinetunePlan}'s method:
 * DGPO ({@link DgpoPlan}, {@link DgpoUpdate}) or the SDE policy-gradient baseline ({@link SdeGrpoPlan},
 * {@link SdeGrpoUpdate}). This class owns what the methods share: the models (the policy starts as a copy of the
 * model, the frozen reference is the model, an old model when the plan keeps one), the group draw of each step
 * (M conditions, G seeds each), the run directory, checkpoints, metrics and sample grids.
 *
 * <p>The run directory is an ordinary run ({@code config.json} the starting model's, {@code model.safetensors} the
 * policy), so {@code d4j sample --run} and {@code d4j eval --run} take it; {@code train-state.safetensors} holds the
 * policy, the old model and the optimizer, and the plan's file ({@code dgpo.json}, {@code sde-grpo.json}) the
 * options. Everything random is a function of (seed, step), so a killed run resumes exactly from its last
 * checkpoint. A reward that fails ({@link RewardException}) stops the run before its step is applied, after a
 * checkpoint of the last good state.
 */
public final class Finetuning {
    private Finetuning() {}

    private static final String OLD = "old/";

    /** Hears about the run: the trainer's events, with the method's objective as the loss. */
    public interface Listener extends Trainer.Listener {
        /** Step {@code step} (1-based) scored its rollouts: their mean and standard deviation. */
        default void rewarded(long step, double mean, double std) {}
    }

    /**
     * Where a run ended.
     *
     * @param step steps done
     * @param seconds this session's time
     * @param stepsTrained steps trained in this session
     */
    public record Result(long step, double seconds, long stepsTrained) {}

    /**
     * Checks {@code plan} against {@code out}, its model and its reward without training: a model that is not a
     * Gaussian denoiser, a reward that does not fit it, an {@code out} holding another run.
     */
    public static TrainingConfig check(FinetunePlan plan, Path out, boolean resume) {
        checkOut(plan, out, resume);
        checkSamplers(plan);
        try (NDManager manager = Backend.newManager()) {
            TrainedModel model = load(plan, manager);
            try (Reward reward = reward(plan, model.config())) {
                objective(plan, model.config());
                return model.config();
            }
        }
    }

    /** Runs (or resumes) {@code plan} into {@code out}. */
    public static Result run(FinetunePlan plan, Path out, boolean resume, Listener listener) {
        checkOut(plan, out, resume);
        checkSamplers(plan);
        RunDirectory run = new RunDirectory(out);
        try (RunLock lock = run.lock(); NDManager manager = Backend.newManager()) {
            run.recover(lock, listener::warned);
            TrainedModel model = load(plan, manager);
            try (Reward reward = reward(plan, model.config())) {
                Objective objective = objective(plan, model.config());
                plan.write(out.resolve(plan.file()));
                model.config().write(run.config());
                return new Loop(plan, model, objective, reward, run, manager, listener).train(resume
                        && run.hasCheckpoint());
            }
        }
    }

    /** The plan saved in a fine-tuning's run directory, whichever method wrote it. */
    public static FinetunePlan saved(Path out) {
        if (Files.isRegularFile(out.resolve(SdeGrpoPlan.FILE))) {
            return SdeGrpoPlan.read(out.resolve(SdeGrpoPlan.FILE));
        }
        return DgpoPlan.read(out.resolve(DgpoPlan.FILE));
    }

    private static void checkOut(FinetunePlan plan, Path out, boolean resume) {
        PlanFiles.checkOut(plan, out, out.resolve(plan.file()), file -> saved(out), resume, plan.method() + " run");
    }

    /** The plan's sampler specs name known samplers: the DGPO rollouts' and the probe's. */
    private static void checkSamplers(FinetunePlan plan) {
        if (plan instanceof DgpoPlan dgpo) {
            checkSampler("--rollout-sampler", dgpo.rolloutSampler());
        }
        if (plan.probe().every() > 0) {
            checkSampler("--probe-sampler", plan.probe().sampler());
        }
    }

    private static void checkSampler(String option, String spec) {
        try {
            SamplerRegistry.create(spec);
        } catch (DiffusionException e) { // an unknown name or a bad option
            throw new InvalidArgumentException(option + " " + spec + ": " + e.getMessage());
        }
    }

    private static TrainedModel load(FinetunePlan plan, NDManager manager) {
        String name = plan.model();
        boolean bundled = name.startsWith("bundled:");
        if (!bundled && !Files.isDirectory(Path.of(name))) {
            throw new InvalidArgumentException("--model " + name + ": no such run directory (expected a run "
                    + "directory or bundled:NAME)");
        }
        TrainedModel model = ModelSource.named(name).trained(manager);
        String why = model.config().notGaussian();
        if (why != null) {
            throw new InvalidArgumentException("--model " + name + " " + why + "; fine-tuning takes a Gaussian "
                    + "diffusion or flow model");
        }
        return model;
    }

    private static Objective objective(FinetunePlan plan, TrainingConfig config) {
        if (!(config.objective() instanceof Objective gaussian)) {
            throw new InvalidArgumentException("--model " + plan.model() + " does not train with the Gaussian "
                    + "denoising objective, which fine-tuning compares");
        }
        return gaussian;
    }

    private static Reward reward(FinetunePlan plan, TrainingConfig config) {
        Reward reward = Rewards.create(plan.reward(), config.data().source());
        if (reward.needsClasses() && config.network().classes() == 0) {
            reward.close();
            throw new InvalidArgumentException("--reward " + plan.reward() + " scores the class each sample was "
                    + "generated for, but the model " + plan.model() + " is unconditional");
        }
        return reward;
    }

    /** The fine-tuning loop and its state. */
    private static final class Loop {
        private final FinetunePlan plan;
        private final TrainingConfig config;
        private final Objective objective;
        private final Network reference;
        private final Reward reward;
        private final RunDirectory run;
        private final NDManager manager;
        private final Listener listener;
        private Models models;
        private Update update;
        private double probeSeconds;

        Loop(FinetunePlan plan, TrainedModel model, Objective objective, Reward reward, RunDirectory run,
                NDManager manager, Listener listener) {
            this.plan = plan;
            this.config = model.config();
            this.objective = objective;
            this.reference = model.network();
            this.reference.weights().requireGradients(false);
            this.reward = reward;
            this.run = run;
            this.manager = manager;
            this.listener = listener;
        }

        Result train(boolean resume) {
            long started = System.nanoTime();
            long start = resume ? restore() : fresh();
            Network policy = models.policy();
            listener.started(start, plan.steps(), policy.weights().count());
            if (start >= plan.steps()) {
                return new Result(start, (System.nanoTime() - started) / 1e9, 0);
            }
            run.truncateMetrics(start, listener::warned);
            double clockOffset = start == 0 ? 0 : lastLoggedSeconds();
            if (start == 0) {
                Trainer.preview(config, policy, run, 0, manager);
                if (plan.probe().every() > 0) {
                    ObjectNode line = TrainingConfig.JSON.createObjectNode();
                    line.put("step", 0);
                    line.put("probe_reward", probe());
                    line.put("seconds", 0.0);
                    run.appendMetrics(line);
                }
            }
            Sums sums = new Sums();
            long intervalStart = System.nanoTime();
            for (long step = start; step < plan.steps(); step++) {
                EngineThreads.beforeStep();
                Update.Outcome outcome;
                try (NDManager m = manager.newSubManager()) {
                    SplittableRandom random = new SplittableRandom(Trainer.stepSeed(plan.seed(), step));
                    Update.Groups groups = Update.Groups.draw(plan.groupsPerStep(), plan.groupSize(),
                            config.network().classes(), random);
                    outcome = update.step(step, groups, random, m);
                } catch (RewardException e) {
                    if (step > start) {
                        checkpoint(step);
                    }
                    throw new RewardException(e.getMessage() + "; step " + (step + 1) + " was not applied, and "
                            + (step == 0 ? "no step was done yet" : run.path() + " holds the state after step " + step
                            + " (continue with --resume)"), e);
                }
                sums.add(outcome);
                long done = step + 1;
                double elapsed = (System.nanoTime() - intervalStart) / 1e9;
                listener.rewarded(done, sums.lastMean, sums.lastStd);
                listener.stepped(done, outcome.measures().getOrDefault("objective", Double.NaN), sums.steps
                        * plan.samplesPerStep() / Math.max(elapsed, 1e-9));
                boolean probing = plan.probe().after(done, plan.steps());
                if (probing || done % plan.logEvery() == 0 || done == plan.steps()) {
                    ObjectNode line = sums.line(done, clockOffset + (System.nanoTime() - started) / 1e9
                            - probeSeconds);
                    if (probing) {
                        try {
                            line.put("probe_reward", probe());
                        } catch (RewardException e) {
                            run.appendMetrics(line);
                            checkpoint(done);
                            throw new RewardException(e.getMessage() + "; the reward probe after step " + done
                                    + " failed, " + run.path() + " holds the state after step " + done
                                    + " (continue with --resume)", e);
                        }
                    }
                    run.appendMetrics(line);
                    sums = new Sums();
                    intervalStart = System.nanoTime();
                }
                if (done % plan.checkpointEvery() == 0 || done == plan.steps()) {
                    checkpoint(done);
                }
                if (done == plan.steps() || (plan.sampleEvery() > 0 && done % plan.sampleEvery() == 0)) {
                    Trainer.preview(config, policy, run, done, manager);
                }
            }
            return new Result(plan.steps(), (System.nanoTime() - started) / 1e9, plan.steps() - start);
        }

        /**
         * The mean reward of the plan's probe samples from the policy; its time is added to {@link #probeSeconds},
         * which the run's clock leaves out.
         */
        private double probe() {
            long began = System.nanoTime();
            RewardProbe probe = plan.probe();
            int[] classes = probe.classes(config.network().classes());
            try (NDManager m = manager.newSubManager()) {
                NDArray samples = new TrainedModel(config, models.policy()).generator().generate(GenerationRequest
                        .builder(probe.seeds(plan.seed())).classes(classes).sampler(probe.sampler())
                        .steps(probe.steps()).build(), m).samples().toType(DataType.FLOAT32, false);
                double sum = 0;
                for (double r : models.rewards(samples, classes)) {
                    sum += r;
                }
                return sum / probe.samples();
            } finally {
                probeSeconds += (System.nanoTime() - began) / 1e9;
            }
        }

        /** The wall time of the last logged step before the resumed one: the run's clock continues from there. */
        private double lastLoggedSeconds() {
            List<JsonNode> lines = run.readMetrics();
            return lines.isEmpty() ? 0 : lines.get(lines.size() - 1).path("seconds").asDouble(0);
        }

        private long fresh() {
            Map<String, NDArray> start = reference.weights().all();
            String what = "the starting weights";
            build(config.network().load(start, manager, DataType.FLOAT32, what), plan.oldModel()
                    ? config.network().load(start, manager, DataType.FLOAT32, what) : null);
            return 0;
        }

        private long restore() {
            String what = run.trainState().toString();
            RunDirectory.Checkpoint checkpoint = run.readCheckpoint(manager);
            Map<String, NDArray> policyWeights = new LinkedHashMap<>();
            Map<String, NDArray> oldWeights = new LinkedHashMap<>();
            checkpoint.weights().forEach((name, w) -> {
                if (name.startsWith(OLD)) {
                    oldWeights.put(name.substring(OLD.length()), w);
                } else {
                    policyWeights.put(name, w);
                }
            });
            if (plan.oldModel() == oldWeights.isEmpty()) {
                throw new FileFormatException(run.trainState(), plan.oldModel() ? "no old-model weights (old/*) for "
                        + "a run that keeps one" : "old-model weights in a run that keeps none");
            }
            build(config.network().load(policyWeights, manager, DataType.FLOAT32, what), plan.oldModel()
                    ? config.network().load(oldWeights, manager, DataType.FLOAT32, what) : null);
            models.adam().restore(checkpoint.optimizer(), checkpoint.optimizerSteps(), what);
            return checkpoint.step();
        }

        private void build(Network policy, Network old) {
            policy.weights().requireGradients(true);
            if (old != null) {
                old.weights().requireGradients(false);
            }
            AdamW adam = new AdamW(policy.weights().all(), manager, 0.9, 0.999, 1e-8, plan.weightDecay());
            models = new Models(plan, config, objective, reference, policy, old, adam, reward);
            update = plan instanceof DgpoPlan dgpo ? new DgpoUpdate(dgpo, models) : new SdeGrpoUpdate(
                    (SdeGrpoPlan) plan, models);
        }

        private void checkpoint(long done) {
            Map<String, NDArray> weights = new LinkedHashMap<>(models.policy().weights().all());
            if (models.old() != null) {
                models.old().weights().all().forEach((name, w) -> weights.put(OLD + name, w));
            }
            run.writeCheckpoint(new RunDirectory.Checkpoint(done, models.adam().steps(), weights, models.policy()
                    .weights().all(), models.adam().state()), manager, Double.NaN, done * plan.samplesPerStep());
            listener.checkpointed(done);
        }
    }

    /** Running sums of one metrics interval: rewards, and the mean of each of the method's measures. */
    private static final class Sums {
        private final Map<String, Double> measures = new LinkedHashMap<>();
        private double rewardSum;
        private double rewardSquares;
        private long rewards;
        int steps;
        double lastMean = Double.NaN;
        double lastStd = Double.NaN;

        void add(Update.Outcome outcome) {
            double sum = 0;
            double squares = 0;
            for (double v : outcome.rewards()) {
                sum += v;
                squares += v * v;
            }
            int n = outcome.rewards().length;
            lastMean = sum / n;
            lastStd = Math.sqrt(Math.max(0, squares / n - lastMean * lastMean));
            rewardSum += sum;
            rewardSquares += squares;
            rewards += n;
            outcome.measures().forEach((name, value) -> measures.merge(name, value, Double::sum));
            steps++;
        }

        ObjectNode line(long step, double seconds) {
            double mean = rewardSum / Math.max(rewards, 1);
            ObjectNode line = TrainingConfig.JSON.createObjectNode();
            line.put("step", step);
            line.put("reward_mean", mean);
            line.put("reward_std", Math.sqrt(Math.max(0, rewardSquares / Math.max(rewards, 1) - mean * mean)));
            measures.forEach((name, value) -> line.put(name, value / Math.max(steps, 1)));
            line.put("seconds", seconds);
            return line;
        }
    }
}
