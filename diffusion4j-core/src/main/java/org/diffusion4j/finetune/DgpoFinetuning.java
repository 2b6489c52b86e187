package org.diffusion4j.finetune;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
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
import org.diffusion4j.backend.Differentiable;
import org.diffusion4j.backend.EngineThreads;
import org.diffusion4j.backend.NativeArrays;
import org.diffusion4j.generate.GenerationRequest;
import org.diffusion4j.grid.Grid;
import org.diffusion4j.nn.Network;
import org.diffusion4j.reward.Reward;
import org.diffusion4j.reward.RewardException;
import org.diffusion4j.reward.Rewards;
import org.diffusion4j.train.AdamW;
import org.diffusion4j.train.Ema;
import org.diffusion4j.train.Gradients;
import org.diffusion4j.train.ModelSource;
import org.diffusion4j.train.Objective;
import org.diffusion4j.train.PlanFiles;
import org.diffusion4j.train.RunDirectory;
import org.diffusion4j.train.RunLock;
import org.diffusion4j.train.TrainedModel;
import org.diffusion4j.train.Trainer;
import org.diffusion4j.train.TrainingConfig;

/**
 * Direct Group Preference Optimization (DGPO; Luo, Hu, Tang) of a Gaussian diffusion or flow model, following the
 * authors' code ({@code Luo-Yihong/DGPO}, {@code scripts/train_sd3_dgpo.py}). Each step:
 * <ol>
 *   <li>rolls out {@code groupsPerStep} groups of G samples with the deterministic rollout sampler (each group one
 *       condition: a class for a class-conditional model) from the policy, or from the old model once
 *       {@code oldRolloutsAfter} steps have passed;</li>
 *   <li>scores them with the reward and turns the scores into {@link GroupAdvantages};</li>
 *   <li>draws {@code timesteps} distinct levels from the first {@code truncation} + 1 levels of the rollout grid and,
 *       at each, re-noises every sample with its group's shared noise and computes the model's own per-sample
 *       training loss ({@link Objective#perSample}) under the policy, the frozen reference (the starting model) and
 *       the old model;</li>
 *   <li>descends the mean over levels of {@link DgpoLoss#surrogate} plus {@link DgpoLoss#klTerm}: one AdamW step;</li>
 *   <li>moves the old model (a fast EMA of the policy, decay min(0.3, 0.001·step)) towards the policy.</li>
 * </ol>
 * The run directory is an ordinary run ({@code config.json} the starting model's, {@code model.safetensors} the
 * policy), so {@code d4j sample --run} and {@code d4j eval --run} take it; {@code train-state.safetensors} holds the
 * policy, the old model and the optimizer. Everything random is a function of (seed, step), so a killed run resumes
 * exactly from its last checkpoint. A reward that fails ({@link RewardException}) stops the run before its step is
 * applied, after a checkpoint of the last good state.
 */
@Differentiable
public final class DgpoFinetuning {
    private DgpoFinetuning() {}

    private static final String OLD = "old/";

    /** Hears about the run: the trainer's events, with the DGPO objective as the loss. */
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
    public static TrainingConfig check(DgpoPlan plan, Path out, boolean resume) {
        PlanFiles.checkOut(plan, out, out.resolve(DgpoPlan.FILE), DgpoPlan::read, resume, "DGPO run");
        try (NDManager manager = Backend.newManager()) {
            TrainedModel model = load(plan, manager);
            try (Reward reward = reward(plan, model.config())) {
                return model.config();
            }
        }
    }

    /** Runs (or resumes) {@code plan} into {@code out}. */
    public static Result run(DgpoPlan plan, Path out, boolean resume, Listener listener) {
        PlanFiles.checkOut(plan, out, out.resolve(DgpoPlan.FILE), DgpoPlan::read, resume, "DGPO run");
        RunDirectory run = new RunDirectory(out);
        try (RunLock lock = run.lock(); NDManager manager = Backend.newManager()) {
            lock.staleHolder().ifPresent(h -> listener.warned("the last run in " + out + " (" + h
                    + ") was killed or crashed; its lock is stale and taken over"));
            List<Path> removed = run.removeTemporaries();
            if (!removed.isEmpty()) {
                listener.warned("removed " + removed.size() + " temporary file" + (removed.size() == 1 ? "" : "s")
                        + " left by an interrupted run in " + out);
            }
            TrainedModel model = load(plan, manager);
            try (Reward reward = reward(plan, model.config())) {
                plan.write(out.resolve(DgpoPlan.FILE));
                model.config().write(run.config());
                return new Loop(plan, model, reward, run, manager, listener).train(resume && run.hasCheckpoint());
            }
        }
    }

    private static TrainedModel load(DgpoPlan plan, NDManager manager) {
        String name = plan.model();
        boolean bundled = name.startsWith("bundled:");
        if (!bundled && !Files.isDirectory(Path.of(name))) {
            throw new InvalidArgumentException("--model " + name + ": no such run directory (expected a run "
                    + "directory or bundled:NAME)");
        }
        TrainedModel model = (bundled ? new ModelSource(name, null, null) : new ModelSource(null, name, null))
                .trained(manager);
        String why = model.config().notGaussian();
        if (why != null) {
            throw new InvalidArgumentException("--model " + name + " " + why + "; DGPO fine-tunes a Gaussian "
                    + "diffusion or flow model through its own denoising loss");
        }
        return model;
    }

    private static Reward reward(DgpoPlan plan, TrainingConfig config) {
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
        private final DgpoPlan plan;
        private final TrainingConfig config;
        private final Objective objective;
        private final Network reference;
        private final Reward reward;
        private final RunDirectory run;
        private final NDManager manager;
        private final Listener listener;
        private final Shape sample;
        private final int classes;
        private final Grid grid;
        private Network policy;
        private Network old;
        private AdamW adam;
        private double clockOffset;

        Loop(DgpoPlan plan, TrainedModel model, Reward reward, RunDirectory run, NDManager manager,
                Listener listener) {
            this.plan = plan;
            this.config = model.config();
            if (!(config.objective() instanceof Objective gaussian)) {
                throw new InvalidArgumentException("--model " + plan.model() + " does not train with the Gaussian "
                        + "denoising objective; DGPO needs it");
            }
            this.objective = gaussian;
            this.reference = model.network();
            this.reference.weights().requireGradients(false);
            this.reward = reward;
            this.run = run;
            this.manager = manager;
            this.listener = listener;
            this.sample = new Shape(config.data().sampleShape().stream().mapToLong(Integer::longValue).toArray());
            this.classes = config.network().classes();
            this.grid = config.sampling().gridSpec().build(plan.rolloutSteps(), config.preconditioning().schedule(),
                    true);
        }

        Result train(boolean resume) {
            long started = System.nanoTime();
            long start = resume ? restore() : fresh();
            listener.started(start, plan.steps(), policy.weights().count());
            if (start >= plan.steps()) {
                return new Result(start, (System.nanoTime() - started) / 1e9, 0);
            }
            run.truncateMetrics(start, listener::warned);
            clockOffset = start == 0 ? 0 : lastLoggedSeconds();
            if (start == 0) {
                Trainer.preview(config, policy, run, 0, manager);
            }
            Sums sums = new Sums();
            long intervalStart = System.nanoTime();
            for (long step = start; step < plan.steps(); step++) {
                EngineThreads.beforeStep();
                try (NDManager m = manager.newSubManager()) {
                    step(step, sums, m);
                } catch (RewardException e) {
                    if (step > start) {
                        checkpoint(step);
                    }
                    throw new RewardException(e.getMessage() + "; step " + (step + 1) + " was not applied, and "
                            + (step == 0 ? "no step was done yet" : run.path() + " holds the state after step " + step
                            + " (continue with --resume)"), e);
                }
                long done = step + 1;
                double elapsed = (System.nanoTime() - intervalStart) / 1e9;
                listener.stepped(done, sums.lastObjective, sums.steps * plan.samplesPerStep() / Math.max(elapsed,
                        1e-9));
                listener.rewarded(done, sums.lastMean, sums.lastStd);
                if (done % plan.logEvery() == 0 || done == plan.steps()) {
                    run.appendMetrics(sums.line(done, clockOffset + (System.nanoTime() - started) / 1e9));
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

        /** The wall time of the last logged step before the resumed one: the run's clock continues from there. */
        private double lastLoggedSeconds() {
            List<JsonNode> lines = run.readMetrics();
            return lines.isEmpty() ? 0 : lines.get(lines.size() - 1).path("seconds").asDouble(0);
        }

        private long fresh() {
            Map<String, NDArray> start = reference.weights().all();
            String what = "the starting weights";
            build(config.network().load(start, manager, DataType.FLOAT32, what), plan.clipped()
                    ? config.network().load(start, manager, DataType.FLOAT32, what) : null);
            return 0;
        }

        private long restore() {
            String what = run.trainState().toString();
            RunDirectory.Checkpoint checkpoint = run.readCheckpoint(manager);
            Map<String, NDArray> policyWeights = new LinkedHashMap<>();
            Map<String, NDArray> oldWeights = new LinkedHashMap<>();
            checkpoint.weights().forEach((name, w) -> (name.startsWith(OLD) ? oldWeights : policyWeights)
                    .put(name.startsWith(OLD) ? name.substring(OLD.length()) : name, w));
            if (plan.clipped() == oldWeights.isEmpty()) {
                throw new org.diffusion4j.io.FileFormatException(run.trainState(), plan.clipped() ? "no old-model "
                        + "weights (old/*) for a run with a clip range" : "old-model weights in a run without a clip");
            }
            build(config.network().load(policyWeights, manager, DataType.FLOAT32, what), plan.clipped()
                    ? config.network().load(oldWeights, manager, DataType.FLOAT32, what) : null);
            adam.restore(checkpoint.optimizer(), checkpoint.step(), what);
            return checkpoint.step();
        }

        private void build(Network policy, Network old) {
            this.policy = policy;
            this.old = old;
            policy.weights().requireGradients(true);
            if (old != null) {
                old.weights().requireGradients(false);
            }
            adam = new AdamW(policy.weights().all(), manager, 0.9, 0.999, 1e-8, plan.weightDecay());
        }

        private void checkpoint(long done) {
            Map<String, NDArray> weights = new LinkedHashMap<>(policy.weights().all());
            if (old != null) {
                old.weights().all().forEach((name, w) -> weights.put(OLD + name, w));
            }
            run.writeCheckpoint(new RunDirectory.Checkpoint(done, done, weights, policy.weights().all(),
                    adam.state()), manager, Double.NaN, done * plan.samplesPerStep());
            listener.checkpointed(done);
        }

        /** One step: rollouts, rewards, advantages, the DGPO loss at a few levels, one optimizer update. */
        private void step(long step, Sums sums, NDManager m) {
            SplittableRandom random = new SplittableRandom(Trainer.stepSeed(plan.seed(), step));
            int g = plan.groupSize();
            int n = plan.samplesPerStep();
            int[] sampleClasses = null;
            if (classes > 0) {
                sampleClasses = new int[n];
                for (int k = 0; k < plan.groupsPerStep(); k++) {
                    java.util.Arrays.fill(sampleClasses, k * g, (k + 1) * g, random.nextInt(classes));
                }
            }
            long[] seeds = new long[n];
            for (int i = 0; i < n; i++) {
                seeds[i] = random.nextLong();
            }
            boolean fromOld = old != null && plan.oldRolloutsAfter() >= 0 && step >= plan.oldRolloutsAfter();
            NDArray x0 = new TrainedModel(config, fromOld ? old : policy).generator().generate(GenerationRequest
                    .builder(seeds).classes(sampleClasses).guidance(plan.guidance()).sampler(plan.rolloutSampler())
                    .steps(plan.rolloutSteps()).build(), m).samples().toType(DataType.FLOAT32, false);
            double[] rewards = reward.score(x0, sampleClasses);
            double[] advantages = GroupAdvantages.of(rewards, g, plan.globalStd(), plan.advantageClip());
            NDArray labels = sampleClasses == null ? null : m.create(sampleClasses);
            int[] levels = distinctLevels(random);
            Map<String, NDArray> weights = policy.weights().all();
            double objectiveSum = 0;
            double distance = 0;
            int masked = 0;
            for (int level : levels) {
                double[] t = new double[n];
                java.util.Arrays.fill(t, config.preconditioning().schedule().timeOfEdmSigma(grid.sigma(level)));
                NDArray noise = noise(random, n, m);
                Objective.PerSample ref = objective.perSample(reference, x0, labels, t, noise, false);
                double[] refLoss = values(ref.loss());
                double[] oldLoss = old == null ? null : values(objective.perSample(old, x0, labels, t, noise, false)
                        .loss());
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    Objective.PerSample p = objective.perSample(policy, x0, labels, t, noise, false);
                    double[] policyLoss = values(p.loss());
                    double[] w = DgpoLoss.weights(policyLoss, refLoss, oldLoss, advantages, g, plan.beta(),
                            plan.clipRange());
                    NDArray kl = DgpoLoss.klTerm(p.output(), ref.output(), plan.betaKl());
                    NDArray loss = DgpoLoss.surrogate(p.loss(), w).add(kl);
                    double objectiveValue = DgpoLoss.objective(DgpoLoss.groupScores(policyLoss, refLoss, advantages,
                            g, plan.beta()));
                    if (!Double.isFinite(objectiveValue) || !Double.isFinite(loss.getFloat())) {
                        throw new DiffusionException("DGPO stopped: the loss is not finite at step " + (step + 1)
                                + "; the last good checkpoint is kept in " + run.path());
                    }
                    objectiveSum += objectiveValue;
                    NDArray d = p.output().stopGradient().sub(ref.output());
                    distance += d.mul(d).mean().getFloat();
                    for (int i = 0; i < n; i++) {
                        masked += w[i] == 0 && advantages[i] != 0 ? 1 : 0;
                    }
                    collector.backward(org.diffusion4j.backend.Scalars.times(loss, 1.0 / levels.length));
                }
            }
            double norm = Gradients.clipGlobalNorm(weights, plan.gradientClip());
            adam.update(weights, plan.learningRate());
            Gradients.zero(weights);
            if (old != null) {
                new Ema(1, 0).update(old.weights().all(), weights, Math.min(0.3, 0.001 * step));
            }
            sums.add(rewards, objectiveSum / levels.length, distance / levels.length,
                    (double) masked / ((long) n * levels.length), norm);
        }

        /** {@code timesteps} distinct grid indices from 0 … truncation, in the order drawn. */
        private int[] distinctLevels(SplittableRandom random) {
            int[] pool = java.util.stream.IntStream.rangeClosed(0, plan.truncation()).toArray();
            for (int i = 0; i < plan.timesteps(); i++) {
                int j = i + random.nextInt(pool.length - i);
                int swap = pool[i];
                pool[i] = pool[j];
                pool[j] = swap;
            }
            return java.util.Arrays.copyOf(pool, plan.timesteps());
        }

        /** Noise for n samples: one draw per group repeated over its members (shared noise), or one per sample. */
        private NDArray noise(SplittableRandom random, int n, NDManager m) {
            if (!plan.sharedNoise()) {
                return NativeArrays.standardNormal(random, new Shape(n).addAll(sample), m);
            }
            NDArray perGroup = NativeArrays.standardNormal(random, new Shape(plan.groupsPerStep(), 1).addAll(sample),
                    m);
            long[] repeat = new long[sample.dimension() + 2];
            java.util.Arrays.fill(repeat, 1);
            repeat[1] = plan.groupSize();
            return perGroup.tile(repeat).reshape(new Shape(n).addAll(sample));
        }

        private static double[] values(NDArray perSample) {
            return perSample.toType(DataType.FLOAT64, false).toDoubleArray();
        }
    }

    /** Running sums of one metrics interval. */
    private static final class Sums {
        double rewardSum;
        double rewardSquares;
        long rewards;
        double objective;
        double distance;
        double clipped;
        double gradientNorm;
        int steps;
        double lastObjective = Double.NaN;
        double lastMean = Double.NaN;
        double lastStd = Double.NaN;

        /** Adds a step: its rewards, DGPO objective, mean ‖F_θ − F_ref‖², clipped fraction and gradient norm. */
        void add(double[] r, double stepObjective, double stepDistance, double stepClipped, double norm) {
            double sum = 0;
            double squares = 0;
            for (double v : r) {
                sum += v;
                squares += v * v;
            }
            lastMean = sum / r.length;
            lastStd = Math.sqrt(Math.max(0, squares / r.length - lastMean * lastMean));
            lastObjective = stepObjective;
            rewardSum += sum;
            rewardSquares += squares;
            rewards += r.length;
            objective += stepObjective;
            distance += stepDistance;
            clipped += stepClipped;
            gradientNorm += norm;
            steps++;
        }

        ObjectNode line(long step, double seconds) {
            double mean = rewardSum / Math.max(rewards, 1);
            ObjectNode line = TrainingConfig.JSON.createObjectNode();
            line.put("step", step);
            line.put("reward_mean", mean);
            line.put("reward_std", Math.sqrt(Math.max(0, rewardSquares / Math.max(rewards, 1) - mean * mean)));
            line.put("dgpo_objective", objective / Math.max(steps, 1));
            line.put("output_distance", distance / Math.max(steps, 1));
            line.put("clipped_fraction", clipped / Math.max(steps, 1));
            line.put("gradient_norm", gradientNorm / Math.max(steps, 1));
            line.put("seconds", seconds);
            return line;
        }
    }
}
