package org.diffusion4j.distill;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
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
import org.diffusion4j.data.BatchOrder;
import org.diffusion4j.data.ImageSet;
import org.diffusion4j.denoise.GaussianMixture;
import org.diffusion4j.generate.Generator;
import org.diffusion4j.io.FileFormatException;
import org.diffusion4j.nn.DiscriminatorHead;
import org.diffusion4j.nn.Network;
import org.diffusion4j.train.AdamW;
import org.diffusion4j.train.Gradients;
import org.diffusion4j.train.ModelSource;
import org.diffusion4j.train.PlanFiles;
import org.diffusion4j.train.RunDirectory;
import org.diffusion4j.train.RunLock;
import org.diffusion4j.train.TrainedModel;
import org.diffusion4j.train.Trainer;
import org.diffusion4j.train.TrainingConfig;
import org.diffusion4j.train.TrainingData;

/**
 * Improved Distribution Matching Distillation (DMD2; Yin et al. 2024) into one run directory: a generator G that
 * maps noise to samples in one step (or a few), trained so that its samples' distribution matches the teacher's,
 * with no regression onto teacher samples. The steps follow the authors' code ({@code tianweiy/DMD2},
 * {@code main/edm}); each generator update u runs {@code criticUpdates} iterations:
 * <ol>
 *   <li>iteration 0 updates G: its samples x = G(x_in; σ_j) are noised to a level σ from the table's indices
 *       [20, 980], the real score (teacher) and the fake score denoise them, and the
 *       {@link DistributionMatching#gradient} is applied through {@link DistributionMatching#loss}; with the GAN on,
 *       {@code ganWeight}·{@link DistributionMatching#generatorGan} of the discriminator head on the fake score's
 *       bottleneck at a noised copy of x is added (gradients reach G only);</li>
 *   <li>every iteration (including 0, on its detached x) updates the critic: the fake score's denoising loss on G's
 *       samples at levels from the whole table, plus {@code criticGanWeight}·{@link DistributionMatching#criticGan}
 *       on noised generated and noised real samples;</li>
 *   <li>iterations 1 … criticUpdates − 1 draw fresh generator samples without gradients (the two time-scale rule).</li>
 * </ol>
 * A K-step generator trains at one of its levels σ_j per iteration (j uniform): from pure noise at j = 0, else from
 * its own chain run to level j ({@code backwardSimulation}) or from noised real data. G and the fake score start as
 * copies of the teacher's network (of {@code init}'s for an exact-mixture teacher). The run directory is an ordinary
 * run: {@code config.json} samples G with {@code lcm} on its levels, {@code model.safetensors} holds G,
 * {@code train-state.safetensors} G, the critic and both optimizers. Everything random is a function of (seed,
 * iteration), so a run killed at any moment resumes exactly from its last checkpoint.
 */
@Differentiable
public final class Dmd2Distillation {
    private Dmd2Distillation() {}

    private static final String CRITIC = "critic/";

    /** Hears about the run: the trainer's events, with the generator's loss as "loss". */
    public interface Listener extends Trainer.Listener {
        /** A probe measured the generator after {@code step} updates. */
        default void probed(long step, Map<String, Double> values) {}
    }

    /** Measures the generator during training (the running FD proxy); the caller brings the metric. */
    @FunctionalInterface
    public interface Probe {
        /** Named values of {@code generator} (its default sampler and steps). */
        Map<String, Double> measure(Generator generator, NDManager manager);
    }

    /**
     * Where a run ended.
     *
     * @param step generator updates done
     * @param seconds this session's time
     * @param stepsTrained generator updates trained in this session
     */
    public record Result(long step, double seconds, long stepsTrained) {}

    /** The teacher and the network G and the fake score start from. */
    private record Source(Teacher real, TrainingConfig config, Network start) {}

    /**
     * Checks {@code plan} against {@code out} and its models without training (or writing): an incompatible teacher
     * or init, a network without bottleneck features for the GAN loss, an {@code out} holding another run.
     */
    public static TrainingConfig check(Dmd2Plan plan, Path out, boolean resume) {
        checkOut(plan, out, resume);
        try (NDManager manager = Backend.newManager()) {
            return generatorConfig(plan, resolve(plan, manager));
        }
    }

    /**
     * Runs (or resumes) {@code plan} into {@code out}. Real data is loaded (from {@code dataDir}) only when the run
     * reads it: for the GAN loss and for a multi-step generator without backward simulation.
     *
     * @param probe the running quality measure, or null
     */
    public static Result run(Dmd2Plan plan, Path out, boolean resume, Path dataDir, boolean download, Probe probe,
            Listener listener) {
        checkOut(plan, out, resume);
        RunDirectory run = new RunDirectory(out);
        try (RunLock lock = run.lock(); NDManager manager = Backend.newManager()) {
            run.recover(lock, listener::warned);
            Source source = resolve(plan, manager);
            TrainingConfig config = generatorConfig(plan, source);
            ImageSet data = needsData(plan) ? loadData(plan, config, dataDir, download, listener) : null;
            plan.write(out.resolve(Dmd2Plan.FILE));
            config.write(run.config());
            return new Loop(plan, config, source, data, run, manager, listener, probe).train(run.hasCheckpoint());
        }
    }

    /** Whether the run reads real data. */
    static boolean needsData(Dmd2Plan plan) {
        return plan.gan() || (plan.generatorSteps() > 1 && !plan.backwardSimulation());
    }

    private static ImageSet loadData(Dmd2Plan plan, TrainingConfig config, Path dataDir, boolean download,
            Listener listener) {
        try {
            return TrainingData.load(config, dataDir, download, listener::warned);
        } catch (DiffusionException e) {
            String why = plan.gan() ? "the GAN loss (--gan-weight " + plan.ganWeight() + ") compares with real data"
                    : "a multi-step generator without --backward-simulation trains on noised real data";
            throw new InvalidArgumentException(why + ", but the teacher's data (" + config.data().source()
                    + (config.data().path().isEmpty() ? "" : " " + config.data().path()) + ") cannot be loaded: "
                    + e.getMessage() + "; give the data directory (--data), or train without the GAN loss "
                    + "(--gan-weight 0) and with --backward-simulation for a multi-step generator");
        }
    }

    /** The training loop and its state. */
    private static final class Loop {
        private final Dmd2Plan plan;
        private final TrainingConfig config;
        private final Source source;
        private final ImageSet data;
        private final RunDirectory run;
        private final NDManager manager;
        private final Listener listener;
        private final Probe probe;
        private final int classes;
        private final Shape sample;
        private final BatchOrder order;
        private Dmd2Models models;
        private Map<String, NDArray> critic;
        private AdamW generatorAdam;
        private AdamW criticAdam;

        Loop(Dmd2Plan plan, TrainingConfig config, Source source, ImageSet data, RunDirectory run, NDManager manager,
                Listener listener, Probe probe) {
            this.plan = plan;
            this.config = config;
            this.source = source;
            this.data = data;
            this.run = run;
            this.manager = manager;
            this.listener = listener;
            this.probe = probe;
            this.classes = config.network().classes();
            this.sample = new Shape(config.data().sampleShape().stream().mapToLong(Integer::longValue).toArray());
            this.order = data == null ? null : new BatchOrder(data.size(), plan.batch(), plan.seed());
        }

        Result train(boolean resume) {
            long started = System.nanoTime();
            long start = resume ? restore() : fresh();
            Network generator = models.generator();
            listener.started(start, plan.steps(), generator.weights().count());
            if (start >= plan.steps()) {
                return new Result(start, (System.nanoTime() - started) / 1e9, 0);
            }
            run.truncateMetrics(start, listener::warned);
            Sums sums = new Sums();
            long intervalStart = System.nanoTime();
            for (long step = start; step < plan.steps(); step++) {
                double warm = Math.min(1.0, (step + 1.0) / Math.max(1, plan.warmup()));
                for (int i = 0; i < plan.criticUpdates(); i++) {
                    long iteration = step * plan.criticUpdates() + i;
                    EngineThreads.beforeStep();
                    try (NDManager m = manager.newSubManager()) {
                        iterate(iteration, i == 0, warm, sums, m);
                    }
                }
                long done = step + 1;
                double elapsed = (System.nanoTime() - intervalStart) / 1e9;
                double imagesPerSecond = sums.updates * plan.batch() / Math.max(elapsed, 1e-9);
                listener.stepped(done, sums.lastGenerator, imagesPerSecond);
                ObjectNode line = null;
                if (done % plan.logEvery() == 0 || done == plan.steps()) {
                    line = sums.line(done, plan.learningRate() * warm, imagesPerSecond,
                            (System.nanoTime() - started) / 1e9);
                    sums = new Sums();
                    intervalStart = System.nanoTime();
                }
                if (probe != null && plan.probeEvery() > 0 && (done % plan.probeEvery() == 0
                        || done == plan.steps())) {
                    Map<String, Double> values;
                    try (NDManager m = manager.newSubManager()) {
                        values = probe.measure(new TrainedModel(config, generator).generator(), m);
                    }
                    if (line == null) {
                        line = TrainingConfig.JSON.createObjectNode();
                        line.put("step", done);
                    }
                    for (Map.Entry<String, Double> value : values.entrySet()) {
                        line.put(value.getKey(), value.getValue());
                    }
                    listener.probed(done, values);
                }
                if (line != null) {
                    run.appendMetrics(line);
                }
                if (done % plan.checkpointEvery() == 0 || done == plan.steps()) {
                    checkpoint(done);
                }
                if (plan.sampleEvery() > 0 && (done % plan.sampleEvery() == 0 || done == plan.steps())) {
                    Trainer.preview(config, generator, run, done, manager);
                }
            }
            return new Result(plan.steps(), (System.nanoTime() - started) / 1e9, plan.steps() - start);
        }

        private long fresh() {
            Map<String, NDArray> start = source.start().weights().all();
            String what = "the initial weights";
            Network generator = config.network().load(start, manager, DataType.FLOAT32, what);
            Network fake = config.network().load(start, manager, DataType.FLOAT32, what);
            DiscriminatorHead head = plan.gan() ? DiscriminatorHead.initialize(fake.featureChannels(), spatial(),
                    manager, plan.seed() ^ 0x5bd1e995L) : null;
            build(generator, fake, head);
            return 0;
        }

        private long restore() {
            String what = run.trainState().toString();
            RunDirectory.Checkpoint checkpoint = run.readCheckpoint(manager);
            Map<String, NDArray> fakeWeights = new LinkedHashMap<>();
            Map<String, NDArray> headWeights = new LinkedHashMap<>();
            Map<String, NDArray> generatorWeights = new LinkedHashMap<>();
            checkpoint.weights().forEach((name, w) -> {
                if (name.startsWith(CRITIC + "head.")) {
                    headWeights.put(name.substring(CRITIC.length()), w);
                } else if (name.startsWith(CRITIC)) {
                    fakeWeights.put(name.substring(CRITIC.length()), w);
                } else {
                    generatorWeights.put(name, w);
                }
            });
            if (plan.gan() == headWeights.isEmpty()) {
                throw new FileFormatException(run.trainState(), plan.gan() ? "no discriminator head weights (critic/"
                        + "head.*) for a run with the GAN loss" : "discriminator head weights in a run without GAN");
            }
            Network fake = config.network().load(fakeWeights, manager, DataType.FLOAT32, what);
            build(config.network().load(generatorWeights, manager, DataType.FLOAT32, what), fake, plan.gan()
                    ? DiscriminatorHead.load(headWeights, fake.featureChannels(), spatial(), manager, what) : null);
            long step = checkpoint.step();
            generatorAdam.restore(checkpoint.optimizer(), step, what);
            criticAdam.restore(checkpoint.optimizer(), step * plan.criticUpdates(), what);
            return step;
        }

        private boolean spatial() {
            return sample.dimension() == 3;
        }

        private void build(Network generator, Network fake, DiscriminatorHead head) {
            TrainingConfig.Sampling s = config.sampling();
            models = new Dmd2Models(plan, source.real(), generator, fake, head, config.preconditioning(),
                    DistributionMatching.levelTable(Dmd2Plan.TABLE, s.sigmaMin(), s.sigmaMax(), s.rho()),
                    s.levels().stream().mapToDouble(Double::doubleValue).toArray());
            critic = models.critic(CRITIC);
            generatorAdam = new AdamW(generator.weights().all(), manager, 0.9, 0.999, 1e-8, plan.weightDecay());
            criticAdam = new AdamW(critic, manager, 0.9, 0.999, 1e-8, plan.weightDecay());
        }

        private void checkpoint(long done) {
            Map<String, NDArray> generator = models.generator().weights().all();
            Map<String, NDArray> weights = new LinkedHashMap<>(generator);
            weights.putAll(critic);
            Map<String, NDArray> optimizer = new LinkedHashMap<>(generatorAdam.state());
            optimizer.putAll(criticAdam.state());
            run.writeCheckpoint(new RunDirectory.Checkpoint(done, done, weights, generator, optimizer), manager,
                    Double.NaN, done * plan.batch());
            listener.checkpointed(done);
        }

        /** The turn's total loss, which must be finite. */
        private double finite(Dmd2Models.Losses losses, String turn, long iteration) {
            double value = losses.total().getFloat();
            if (!Double.isFinite(value)) {
                throw new DiffusionException("DMD2 stopped: the " + turn + " loss is " + value + " at iteration "
                        + (iteration + 1) + "; the last good checkpoint is kept in " + run.path());
            }
            return value;
        }

        /** One iteration: a generator update when {@code updateGenerator}, then a critic update. */
        private void iterate(long iteration, boolean updateGenerator, double warm, Sums sums, NDManager m) {
            SplittableRandom random = new SplittableRandom(Trainer.stepSeed(plan.seed(), iteration));
            int n = plan.batch();
            NDArray labels = classes > 0 ? m.create(random.ints(n, 0, classes).toArray()) : null;
            int[] indices = order == null ? null : order.batch(iteration);
            NDArray realX = indices == null ? null : data.batch(m, indices);
            NDArray realLabels = indices == null || classes == 0 ? null : data.labelBatch(m, indices);
            int j = models.levels().length == 1 ? 0 : random.nextInt(models.levels().length);
            NDArray input = models.input(j, new Shape(n).addAll(sample), realX, labels, random, m);
            Map<String, NDArray> g = models.generator().weights().all();
            NDArray x;
            if (updateGenerator) {
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    Dmd2Models.Losses losses = models.generatorLoss(input, j, labels, random);
                    x = losses.samples();
                    double value = finite(losses, "generator", iteration);
                    sums.dm += losses.first();
                    sums.generatorGan += plan.gan() ? losses.gan() : 0;
                    sums.lastGenerator = value;
                    collector.backward(losses.total());
                }
                sums.generatorNorm += Gradients.clipGlobalNorm(g, plan.gradientClip());
                generatorAdam.update(g, plan.learningRate() * warm);
                Gradients.zero(g);
                sums.updates++;
            } else {
                x = models.generate(input, j, labels);
            }
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                Dmd2Models.Losses losses = models.criticLoss(x, labels, realX, realLabels, random);
                finite(losses, "critic", iteration);
                sums.fake += losses.first();
                sums.criticGan += plan.gan() ? losses.gan() : 0;
                collector.backward(losses.total());
            }
            sums.criticNorm += Gradients.clipGlobalNorm(critic, plan.gradientClip());
            criticAdam.update(critic, plan.criticLearningRate() * warm);
            Gradients.zero(critic);
            sums.criticUpdates++;
        }
    }

    /** Running sums of one metrics interval. */
    private static final class Sums {
        double dm;
        double generatorGan;
        double fake;
        double criticGan;
        double generatorNorm;
        double criticNorm;
        double lastGenerator = Double.NaN;
        int updates;
        int criticUpdates;

        ObjectNode line(long step, double lr, double imagesPerSecond, double seconds) {
            ObjectNode line = TrainingConfig.JSON.createObjectNode();
            line.put("step", step);
            line.put("distribution_matching_loss", dm / Math.max(updates, 1));
            line.put("generator_gan_loss", generatorGan / Math.max(updates, 1));
            line.put("fake_score_loss", fake / Math.max(criticUpdates, 1));
            line.put("discriminator_loss", criticGan / Math.max(criticUpdates, 1));
            line.put("generator_gradient_norm", generatorNorm / Math.max(updates, 1));
            line.put("critic_gradient_norm", criticNorm / Math.max(criticUpdates, 1));
            line.put("learning_rate", lr);
            line.put("images_per_second", imagesPerSecond);
            line.put("seconds", seconds);
            return line;
        }
    }

    /** The teacher (the real score) and the network G and the fake score start from, checked. */
    private static Source resolve(Dmd2Plan plan, NDManager manager) {
        String name = plan.teacher();
        if (name.startsWith(ModelSource.TORCHSCRIPT)) {
            throw new InvalidArgumentException("--teacher " + name + ": a TorchScript model cannot be distilled with "
                    + "DMD2 (the generator and the fake score start from the teacher's weights, which a traced module "
                    + "does not expose); use a run directory, bundled:NAME or gmm:NAME with --init");
        }
        TrainedModel init = plan.init() == null ? null : load(plan.init(), "--init", manager);
        if (name.startsWith("gmm:")) {
            GaussianMixture mixture = ModelSource.mixture(name);
            if (init == null) {
                throw new InvalidArgumentException("--teacher " + name + " is an exact mixture, which has no network "
                        + "for the generator and the fake score to start from: give --init RUN, a run trained on "
                        + "the mixture (d4j train --preset toy-2d for eight-gaussians)");
            }
            List<Integer> shape = init.config().data().sampleShape();
            if (!shape.equals(List.of(mixture.dimension()))) {
                throw new InvalidArgumentException("--init " + plan.init() + " makes samples of shape " + shape
                        + " but the mixture " + name + " has dimension " + mixture.dimension());
            }
            return checkFeatures(plan, new Source(Teacher.mixture(mixture), init.config(), init.network()));
        }
        TrainedModel teacher = load(name, "--teacher", manager);
        ProgressiveDistillation.checkGaussian(teacher.config(), name + " config.json");
        if (init == null) {
            return checkFeatures(plan, new Source(Teacher.network(teacher.network(),
                    teacher.config().preconditioning()), teacher.config(), teacher.network()));
        }
        ProgressiveDistillation.checkGaussian(init.config(), plan.init() + " config.json");
        TrainingConfig a = teacher.config();
        TrainingConfig b = init.config();
        if (!a.data().sampleShape().equals(b.data().sampleShape()) || a.network().classes() != b.network().classes()) {
            throw new InvalidArgumentException("--init " + plan.init() + " does not fit the teacher " + name
                    + ": samples " + b.data().sampleShape() + " with " + b.network().classes() + " classes vs "
                    + a.data().sampleShape() + " with " + a.network().classes());
        }
        return checkFeatures(plan, new Source(Teacher.network(teacher.network(), a.preconditioning()), b,
                init.network()));
    }

    private static TrainedModel load(String name, String option, NDManager manager) {
        boolean bundled = name.startsWith("bundled:");
        if (!bundled && !Files.isDirectory(Path.of(name))) {
            throw new InvalidArgumentException(option + " " + name + ": no such run directory (expected a run "
                    + "directory or bundled:NAME" + (option.equals("--teacher") ? ", or gmm:NAME with --init" : "")
                    + ")");
        }
        return ModelSource.named(name).trained(manager);
    }

    private static Source checkFeatures(Dmd2Plan plan, Source source) {
        if (plan.gan()) {
            try {
                source.start().featureChannels();
            } catch (InvalidArgumentException e) {
                throw new InvalidArgumentException("--gan-weight " + plan.ganWeight() + ": the GAN loss reads the "
                        + "fake score's bottleneck, but " + e.getMessage() + "; use --gan-weight 0");
            }
        }
        return source;
    }

    /** The generator's run config: the starting network's, sampling with lcm on the generator's levels. */
    private static TrainingConfig generatorConfig(Dmd2Plan plan, Source source) {
        TrainingConfig base = source.config();
        TrainingConfig.Sampling s = base.sampling();
        double[] table = DistributionMatching.levelTable(Dmd2Plan.TABLE, s.sigmaMin(), s.sigmaMax(), s.rho());
        List<Double> levels = java.util.Arrays.stream(plan.levelIndices()).mapToObj(i -> table[i]).toList();
        TrainingConfig.Optimization optimization = new TrainingConfig.Optimization(plan.batch(), plan.steps(),
                plan.learningRate(), plan.warmup(), 0.9, 0.999, 1e-8, plan.weightDecay(), plan.gradientClip(), 0, 0,
                0, plan.seed(), plan.checkpointEvery(), plan.sampleEvery(), plan.logEvery(), null);
        TrainingConfig.Sampling sampling = new TrainingConfig.Sampling("lcm", plan.generatorSteps(), s.sigmaMin(),
                s.sigmaMax(), s.rho(), s.previews(), "list", levels);
        return new TrainingConfig(base.name() + "-dmd2-" + plan.generatorSteps(), base.data(), base.network(),
                base.preconditioning(), base.time(), optimization, sampling, base.lossWeight(), null,
                new TrainingConfig.Distillation("dmd2", plan.teacher(), 0, plan.generatorSteps(), null), null);
    }

    private static void checkOut(Dmd2Plan plan, Path out, boolean resume) {
        PlanFiles.checkOut(plan, out, out.resolve(Dmd2Plan.FILE), Dmd2Plan::read, resume, "DMD2 run");
    }
}
