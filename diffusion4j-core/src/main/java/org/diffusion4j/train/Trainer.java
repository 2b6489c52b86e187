package org.diffusion4j.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.util.SplittableRandom;
import org.diffusion4j.DiffusionException;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.UnknownNameException;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.backend.EngineThreads;
import org.diffusion4j.backend.NativeArrays;
import org.diffusion4j.data.BatchOrder;
import org.diffusion4j.data.ImageSet;
import org.diffusion4j.generate.GenerationRequest;
import org.diffusion4j.io.Previews;
import org.diffusion4j.io.UserFiles;
import org.diffusion4j.nn.Network;
import org.diffusion4j.process.NoiseSchedule;
import org.diffusion4j.sample.Sampling;

/**
 * The training loop every objective shares. Each step: take batch k of the {@link BatchOrder}, draw times,
 * noise, label dropout and flips from a generator seeded by (seed, k), compute the {@link Objective}'s loss, clip
 * the global gradient norm, apply {@link AdamW} with warm-up, and move the {@link Ema}. Everything random is a
 * function of the seed and the step, so a run resumed from a checkpoint continues exactly. Each step's arrays live
 * in their own manager, freed at the end of the step.
 */
public final class Trainer {
    private Trainer() {}

    /** Hears about the run (progress bars, tests). */
    public interface Listener {
        default void started(long step, long steps, long parameters) {}

        default void stepped(long step, double loss, double imagesPerSecond) {}

        default void checkpointed(long step) {}

        /** Something the user should know that does not stop the run (a stale lock, a repaired file). */
        default void warned(String message) {}
    }

    /**
     * Where a run ended.
     *
     * @param step the step it is at
     * @param loss the loss of the last step trained (NaN when none was)
     * @param seconds how long it took
     * @param stepsTrained steps trained now: 0 when a resumed run was already at (or past) its steps
     */
    public record Result(long step, double loss, double seconds, long stepsTrained) {}

    /**
     * Trains {@code config} on {@code data} into {@code run}. With {@code resume}, continues from the run's
     * checkpoint (whose config must equal {@code config}); otherwise the run directory must hold no checkpoint.
     */
    public static Result train(TrainingConfig config, ImageSet data, RunDirectory run, boolean resume,
            Listener listener) {
        try (RunLock lock = run.lock()) {
            return train(config, data, run, lock, resume, listener);
        }
    }

    /**
     * {@link #train(TrainingConfig, ImageSet, RunDirectory, boolean, Listener)} under a lock of {@code run} the
     * caller took (before loading the data, say) and closes.
     */
    public static Result train(TrainingConfig config, ImageSet data, RunDirectory run, RunLock lock, boolean resume,
            Listener listener) {
        return train(config, config.objective(), null, data, run, lock, resume, listener);
    }

    /**
     * The same loop with an objective the config cannot build by itself (a distillation round's, which holds its
     * teacher) and, for a new run, the weights to start from instead of the config's initialization (a student
     * starts from its teacher). A resumed run starts from its checkpoint and ignores {@code initialWeights}.
     *
     * @param objective the loss the run minimizes; the caller builds the same one on every resume
     * @param initialWeights the network's first weights (by name), or null to initialize from the config's seed
     */
    public static Result train(TrainingConfig config, TrainingObjective objective, java.util.Map<String, NDArray>
            initialWeights, ImageSet data, RunDirectory run, RunLock lock, boolean resume, Listener listener) {
        run.recover(lock, listener::warned);
        TrainingConfig.Optimization opt = config.optimization();
        checkRunDirectory(config, run, resume);
        long started = System.nanoTime();
        try (NDManager manager = Backend.newManager()) {
            Network network;
            Network ema;
            AdamW adam;
            long start = 0;
            if (resume) {
                RunDirectory.Checkpoint checkpoint = run.readCheckpoint(manager);
                String what = run.trainState().toString();
                network = config.network().load(checkpoint.weights(), manager, DataType.FLOAT32, what);
                ema = config.network().load(checkpoint.ema(), manager, DataType.FLOAT32, what);
                adam = newAdam(network, manager, opt);
                adam.restore(checkpoint.optimizer(), checkpoint.optimizerSteps(), what);
                start = checkpoint.step();
                if (start >= opt.steps()) {
                    listener.started(start, opt.steps(), network.weights().count());
                    return new Result(start, Double.NaN, (System.nanoTime() - started) / 1e9, 0);
                }
                run.truncateMetrics(start, listener::warned);
            } else if (initialWeights != null) {
                network = config.network().load(initialWeights, manager, DataType.FLOAT32, "initial weights");
                ema = config.network().load(network.weights().all(), manager, DataType.FLOAT32, "initial weights");
                adam = newAdam(network, manager, opt);
            } else {
                network = config.network().initialize(manager, DataType.FLOAT32, opt.seed());
                ema = config.network().load(network.weights().all(), manager, DataType.FLOAT32, "initial weights");
                adam = newAdam(network, manager, opt);
            }
            checkSampler(config, ema, data, manager);
            config.write(run.config());
            network.weights().requireGradients(true);
            Ema averager = new Ema(opt.emaHalfLifeImages(), opt.emaRampUp());
            BatchOrder order = new BatchOrder(data.size(), opt.batch(), opt.seed());
            listener.started(start, opt.steps(), network.weights().count());

            double lossSum = 0;
            double normSum = 0;
            int logged = 0;
            long intervalStart = System.nanoTime();
            double lastLoss = Double.NaN;
            for (long step = start; step < opt.steps(); step++) {
                double loss;
                double norm;
                EngineThreads.beforeStep();
                try (NDManager stepManager = manager.newSubManager()) {
                    StepBatch batch = StepBatch.draw(config, objective, data, order, step, stepManager);
                    Backend.seedEngine(StepBatch.mix(opt.seed(), step) ^ 0x6a09e667L);
                    TrainingObjective stepObjective = objective.prepare(network, batch.x0(), batch.labels(),
                            batch.times(), batch.noise());
                    try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                        NDArray value = stepObjective.loss(network, batch.x0(), batch.labels(), batch.times(),
                                batch.noise(), true);
                        loss = value.getFloat();
                        if (!Double.isFinite(loss)) {
                            throw new DiffusionException("training stopped: the loss is " + loss + " at step "
                                    + (step + 1) + "; the last good checkpoint (step " + lastCheckpoint(run)
                                    + ") is kept in " + run.path());
                        }
                        collector.backward(value);
                    }
                    norm = Gradients.clipGlobalNorm(network.weights().all(), opt.gradientClip());
                    adam.update(network.weights().all(), opt.learningRateAt(step));
                    Gradients.zero(network.weights().all());
                    long images = (step + 1) * opt.batch();
                    averager.update(ema.weights().all(), network.weights().all(),
                            averager.beta(opt.batch(), images));
                }
                lossSum += loss;
                normSum += norm;
                logged++;
                lastLoss = loss;
                long done = step + 1;
                double elapsed = (System.nanoTime() - intervalStart) / 1e9;
                double imagesPerSecond = logged * opt.batch() / Math.max(elapsed, 1e-9);
                listener.stepped(done, loss, imagesPerSecond);
                if (done % opt.logEvery() == 0 || done == opt.steps()) {
                    ObjectNode line = TrainingConfig.JSON.createObjectNode();
                    line.put("step", done);
                    line.put("images", done * opt.batch());
                    line.put("loss", lossSum / logged);
                    line.put("learning_rate", opt.learningRateAt(step));
                    line.put("gradient_norm", normSum / logged);
                    line.put("images_per_second", imagesPerSecond);
                    line.put("seconds", (System.nanoTime() - started) / 1e9);
                    run.appendMetrics(line);
                    lossSum = 0;
                    normSum = 0;
                    logged = 0;
                    intervalStart = System.nanoTime();
                }
                if (done % opt.checkpointEvery() == 0 || done == opt.steps()) {
                    run.writeCheckpoint(new RunDirectory.Checkpoint(done, adam.steps(), network.weights().all(),
                            ema.weights().all(), adam.state()), manager, loss, done * opt.batch());
                    listener.checkpointed(done);
                }
                if (opt.sampleEvery() > 0 && (done % opt.sampleEvery() == 0 || done == opt.steps())) {
                    preview(config, ema, run, done, manager, data);
                }
            }
            return new Result(opt.steps(), lastLoss, (System.nanoTime() - started) / 1e9, opt.steps() - start);
        }
    }

    private static AdamW newAdam(Network network, NDManager manager, TrainingConfig.Optimization opt) {
        return new AdamW(network.weights().all(), manager, opt.beta1(), opt.beta2(), opt.epsilon(),
                opt.weightDecay());
    }

    private static void checkRunDirectory(TrainingConfig config, RunDirectory run, boolean resume) {
        if (resume) {
            if (!run.hasCheckpoint()) {
                throw new DiffusionException("cannot resume: " + run.trainState() + " does not exist");
            }
            TrainingConfig saved = TrainingConfig.read(run.config());
            java.util.List<String> differences = TrainingConfig.differences(saved.withSteps(1),
                    config.withSteps(1));
            if (!differences.isEmpty()) {
                throw new DiffusionException("cannot resume: the config does not match " + run.config() + " ("
                        + String.join("; ", differences) + ")");
            }
        } else if (run.hasCheckpoint()) {
            throw new DiffusionException(run.path() + " already holds a training run; resume it with --resume or "
                    + "choose another --out");
        }
    }

    private static String lastCheckpoint(RunDirectory run) {
        if (!Files.isRegularFile(run.trainStateSummary())) {
            return "none";
        }
        try {
            return UserFiles.readJson(run.trainStateSummary()).path("step").asText("?");
        } catch (DiffusionException e) {
            return "?";
        }
    }

    /**
     * Draws one sample in one step with the config's sampler (the previews' and {@code d4j sample --run}'s default),
     * so a sampler the model cannot take fails before training, not at the first preview.
     */
    private static void checkSampler(TrainingConfig config, Network ema, ImageSet data, NDManager parent) {
        int[] classes = config.network().classes() > 0 ? new int[] {0} : null;
        try (NDManager manager = parent.newSubManager()) {
            new TrainedModel(config, ema).generator().generate(GenerationRequest.builder(new long[] {0})
                    .classes(classes).observation(observations(config, data, 1, manager)).steps(1).build(), manager);
        } catch (UnknownNameException | InvalidArgumentException e) {
            throw new InvalidArgumentException("sampling.sampler '" + config.sampling().sampler() + "' cannot sample "
                    + "this model: " + e.getMessage());
        }
    }

    /**
     * The observations of the first {@code n} training images for a restoration model (their task's, with the
     * observation noise of seed 0), so previews restore the same inputs at every step; null for every other model.
     */
    private static NDArray observations(TrainingConfig config, ImageSet data, int n, NDManager manager) {
        return config.restorationTask() == null ? null : observe(config, firstImages(data, n, manager));
    }

    /** The restoration task's observation of {@code clean}, with the observation noise of seed 0. */
    private static NDArray observe(TrainingConfig config, NDArray clean) {
        NDArray noise = NativeArrays.standardNormal(new SplittableRandom(0), clean.getShape(), clean.getManager());
        return config.restorationTask().observe(clean, noise);
    }

    private static NDArray firstImages(ImageSet data, int n, NDManager manager) {
        return data.batch(manager, java.util.stream.IntStream.range(0, n).toArray());
    }

    /**
     * A restoration model's preview: for the first training images, rows of the prior each restoration starts from
     * (or is conditioned on), the restoration with the config's sampler, and the clean image.
     */
    private static void restorationPreview(TrainingConfig config, Network ema, RunDirectory run, long step,
            ImageSet data, NDManager parent) {
        int n = Math.min(config.sampling().previews(), data.size());
        try (NDManager manager = parent.newSubManager()) {
            NDArray clean = firstImages(data, n, manager);
            NDArray y = observe(config, clean);
            NDArray restored = new TrainedModel(config, ema).generator().generate(GenerationRequest.builder(
                    GenerationRequest.consecutiveSeeds(0, n)).observation(y).steps(config.sampling().steps()).build(),
                    manager).samples();
            NDArray rows = config.restorationTask().prior(y).concat(restored, 0).concat(clean, 0);
            Shape sample = data.sampleShape();
            Previews.write(Previews.grid(rows.toFloatArray(), 3 * n, (int) sample.get(0), (int) sample.get(1), n, 2),
                    run.samples().resolve(String.format("step-%07d.png", step)));
        }
    }

    /**
     * {@link #preview(TrainingConfig, Network, RunDirectory, long, NDManager)}, with the data a restoration model
     * needs.
     */
    static void preview(TrainingConfig config, Network ema, RunDirectory run, long step, NDManager parent,
            ImageSet data) {
        if (config.restorationTask() != null) {
            restorationPreview(config, ema, run, step, data, parent);
        } else {
            preview(config, ema, run, step, parent);
        }
    }

    /** A grid (images) or a dot plot (2-D) of samples from the EMA network, at a fixed seed. */
    public static void preview(TrainingConfig config, Network ema, RunDirectory run, long step, NDManager parent) {
        if (config.restorationTask() != null) {
            throw new IllegalStateException("a restoration model's preview needs its training data");
        }
        TrainingConfig.Sampling s = config.sampling();
        int n = s.previews();
        long[] seeds = new long[n];
        int[] classes = new int[n];
        for (int i = 0; i < n; i++) {
            seeds[i] = i;
            classes[i] = config.network().classes() > 0 ? i % config.network().classes() : 0;
        }
        int[] asked = config.network().classes() > 0 ? classes : null;
        try (NDManager manager = parent.newSubManager()) {
            Shape sample = new Shape(config.data().sampleShape().stream().mapToLong(Integer::longValue).toArray());
            NDArray x = new TrainedModel(config, ema).generator().generate(GenerationRequest.builder(seeds)
                    .classes(asked).steps(s.steps()).build(), manager).samples();
            float[] values = x.toFloatArray();
            java.nio.file.Path file = run.samples().resolve(String.format("step-%07d.png", step));
            if (sample.dimension() == 3) {
                int columns = config.network().classes() > 0 ? config.network().classes() : 10;
                Previews.write(Previews.grid(values, n, (int) sample.get(0), (int) sample.get(1), columns, 2), file);
            } else if (sample.dimension() == 1 && sample.get(0) == 2) {
                Previews.write(Previews.points(values, 4, 512), file);
            }
        }
    }

    /** The seed of everything random in step {@code step} of a run seeded {@code seed} (SplitMix64 of the two). */
    public static long stepSeed(long seed, long step) {
        return StepBatch.mix(seed, step);
    }

    /** The random parts of one step, all drawn from (seed, step). */
    record StepBatch(NDArray x0, NDArray labels, double[] times, NDArray noise) {

        static StepBatch draw(TrainingConfig config, TrainingObjective objective, ImageSet data, BatchOrder order,
                long step, NDManager manager) {
            TrainingConfig.Optimization opt = config.optimization();
            SplittableRandom random = new SplittableRandom(mix(opt.seed(), step));
            int[] indices = order.batch(step);
            int per = data.sampleSize();
            float[] values = new float[indices.length * per];
            for (int i = 0; i < indices.length; i++) {
                System.arraycopy(data.values(), indices[i] * per, values, i * per, per);
            }
            if (config.data().flip()) {
                int width = (int) data.sampleShape().get(data.sampleShape().dimension() - 1);
                for (int i = 0; i < indices.length; i++) {
                    if (random.nextBoolean()) {
                        flip(values, i * per, per, width);
                    }
                }
            }
            NDArray labels = null;
            int classes = config.network().classes();
            if (classes > 0) {
                int[] l = new int[indices.length];
                for (int i = 0; i < l.length; i++) {
                    l[i] = random.nextDouble() < opt.classDropout() ? classes : data.labels()[indices[i]];
                }
                labels = manager.create(l);
            }
            NoiseSchedule schedule = config.preconditioning().schedule();
            double[] times = new double[indices.length];
            for (int i = 0; i < times.length; i++) {
                times[i] = config.time().sample(random, schedule);
            }
            Shape shape = data.batchShape(indices.length);
            Shape noiseShape = objective.noiseShape(shape);
            float[] noise = new float[Math.toIntExact(noiseShape.size())];
            for (int i = 0; i < noise.length; i++) {
                noise[i] = (float) random.nextGaussian();
            }
            return new StepBatch(manager.create(values, shape), labels, times, manager.create(noise, noiseShape));
        }

        private static void flip(float[] values, int offset, int size, int width) {
            for (int row = offset; row < offset + size; row += width) {
                for (int a = row, b = row + width - 1; a < b; a++, b--) {
                    float t = values[a];
                    values[a] = values[b];
                    values[b] = t;
                }
            }
        }

        /** SplitMix64 of (seed, step). */
        static long mix(long seed, long step) {
            long z = seed * 0x9E3779B97F4A7C15L + step + 0x632BE59BD9B4E019L;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            return z ^ (z >>> 31);
        }
    }
}
