package org.diffusion4j.distill;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.data.ImageSet;
import org.diffusion4j.denoise.GaussianMixture;
import org.diffusion4j.denoise.GaussianMixtureDenoiser;
import org.diffusion4j.denoise.Preconditioning;
import org.diffusion4j.generate.Generator;
import org.diffusion4j.generate.GenerationRequest;
import org.diffusion4j.generate.Generators;
import org.diffusion4j.grid.GridSpec;
import org.diffusion4j.io.AtomicFiles;
import org.diffusion4j.io.FileFormatException;
import org.diffusion4j.io.Safetensors;
import org.diffusion4j.io.UserFiles;
import org.diffusion4j.nn.Network;
import org.diffusion4j.nn.NetworkConfig;
import org.diffusion4j.train.ModelSource;
import org.diffusion4j.train.PlanFiles;
import org.diffusion4j.train.RunDirectory;
import org.diffusion4j.train.RunLock;
import org.diffusion4j.train.TimeDistribution;
import org.diffusion4j.train.TrainedModel;
import org.diffusion4j.train.Trainer;
import org.diffusion4j.train.TrainingConfig;
import org.diffusion4j.train.TrainingData;

/**
 * Progressive distillation (Salimans &amp; Ho 2022, Algorithm 2) as a sequence of ordinary training runs: round k
 * starts the student from its teacher (from the previous round's student; a fresh network for an exact mixture
 * teacher), trains it with {@link ProgressiveObjective} through {@link Trainer} so that one of its DDIM steps
 * matches two of the teacher's on the {@code nested-karras} grid, and the student becomes the next round's teacher.
 *
 * <p>The output directory holds {@code distill.json} (the {@link DistillationPlan}), one run directory per round,
 * {@code steps-N/} (config with its {@code distillation} block, weights, train state, metrics, a sample grid, and
 * {@code round.json} once the round is done), and at the end {@code distill-report.json} and the last student's
 * {@code config.json} and {@code model.safetensors}, so {@code d4j sample --run OUT} samples it. A kill at any
 * moment loses at most the steps since a round's last checkpoint: {@link #run} with {@code resume} skips finished
 * rounds and resumes the unfinished one exactly.
 */
public final class ProgressiveDistillation {
    private ProgressiveDistillation() {}

    /** The report's file in the output directory. */
    public static final String REPORT = "distill-report.json";

    /** A finished round's summary in its run directory. */
    public static final String ROUND = "round.json";

    /** Hears about the rounds, and about each round's training. */
    public interface Listener extends Trainer.Listener {
        /** Round {@code round} of {@code rounds} starts (or resumes, or is found finished). */
        default void roundStarted(int round, int rounds, int teacherSteps, int steps, Path dir) {}

        /** Round {@code round} is finished (now or by an earlier run). */
        default void roundFinished(Round round) {}
    }

    /**
     * One round's outcome.
     *
     * @param round 1-based
     * @param teacherSteps the teacher's DDIM steps
     * @param steps the student's DDIM steps
     * @param run its run directory
     * @param trainingSteps training steps
     * @param wallSeconds training time, summed over the sessions that trained it (to their last metrics line)
     * @param loss the loss of its last metrics interval
     * @param teacherGapRms the RMS difference between the student's N-step DDIM samples and the teacher's 2N-step
     *     DDIM samples from the same seeds (the EDM view's data space)
     * @param gapSamples samples of that comparison
     */
    public record Round(int round, int teacherSteps, int steps, String run, long trainingSteps, double wallSeconds,
            double loss, double teacherGapRms, int gapSamples) {}

    /**
     * The report.
     *
     * @param plan the plan
     * @param rounds every round
     * @param wallSeconds the rounds' training time in all
     * @param finalSteps the last student's steps
     */
    public record Report(DistillationPlan plan, List<Round> rounds, double wallSeconds, int finalSteps) {}

    /** A resolved teacher: a trained model, or an exact mixture. */
    private record Source(TrainedModel trained, GaussianMixture mixture) {}

    /**
     * Checks the plan against {@code out} and its teacher, without writing anything: a teacher that is not a
     * Gaussian-process model, a missing weights file, a prediction the student cannot take, or an {@code out} that
     * already holds another distillation fail here.
     */
    public static void check(DistillationPlan plan, Path out, boolean resume) {
        checkOut(plan, out, resume);
        try (NDManager manager = Backend.newManager()) {
            Source source = resolve(plan, manager);
            studentConfig(plan, source, 1);
        }
    }

    /** Runs (or resumes) the distillation {@code plan} into {@code out}. */
    public static Report run(DistillationPlan plan, Path out, boolean resume, Path dataDir, boolean download,
            Listener listener) {
        check(plan, out, resume);
        try (RunLock lock = new RunDirectory(out).lock(); NDManager manager = Backend.newManager()) {
            lock.staleHolder().ifPresent(h -> listener.warned("the last distillation in " + out + " (" + h
                    + ") was killed or crashed; its lock is stale and taken over"));
            AtomicFiles.removeTemporaries(out, name -> name.equals(DistillationPlan.FILE) || name.equals(REPORT)
                    || name.equals("config.json") || name.equals("model.safetensors"));
            plan.write(out.resolve(DistillationPlan.FILE));
            Source source = resolve(plan, manager);
            ImageSet data = TrainingData.load(studentConfig(plan, source, 1), dataDir, download,
                    note -> listener.warned(note));
            List<Round> rounds = new ArrayList<>();
            for (int round = 1; round <= plan.rounds(); round++) {
                rounds.add(round(plan, source, round, out, data, listener, manager));
            }
            Path last = DistillationPlan.roundDirectory(out, plan.to());
            RunDirectory finalRun = new RunDirectory(last);
            AtomicFiles.writeString(out.resolve("config.json"), UserFiles.readText(finalRun.config()));
            try (NDManager scratch = manager.newSubManager()) {
                Safetensors.write(out.resolve("model.safetensors"), finalRun.readModel(scratch));
            }
            Report report = new Report(plan, rounds, rounds.stream().mapToDouble(Round::wallSeconds).sum(),
                    plan.to());
            try {
                AtomicFiles.writeString(out.resolve(REPORT), TrainingConfig.JSON.writeValueAsString(report) + "\n");
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
            return report;
        }
    }

    private static Round round(DistillationPlan plan, Source source, int round, Path out, ImageSet data,
            Listener listener, NDManager parent) {
        int steps = plan.studentSteps(round);
        Path dir = DistillationPlan.roundDirectory(out, steps);
        RunDirectory run = new RunDirectory(dir);
        listener.roundStarted(round, plan.rounds(), 2 * steps, steps, dir);
        TrainingConfig config = studentConfig(plan, source, round);
        Path summary = dir.resolve(ROUND);
        if (Files.isRegularFile(summary) && run.hasCheckpoint()) {
            Round done = readRound(summary);
            listener.roundFinished(done);
            return done;
        }
        try (NDManager manager = parent.newSubManager()) {
            Network teacherNetwork;
            TrainingConfig teacherConfig;
            if (round == 1) {
                teacherNetwork = source.trained() == null ? null : source.trained().network();
                teacherConfig = source.trained() == null ? null : source.trained().config();
            } else {
                TrainedModel previous = TrainedModel.load(DistillationPlan.roundDirectory(out, 2 * steps), manager);
                teacherNetwork = previous.network();
                teacherConfig = previous.config();
            }
            Teacher teacher = teacherNetwork == null
                    ? Teacher.of(new GaussianMixtureDenoiser(source.mixture(),
                            config.preconditioning().schedule()).edmView())
                    : Teacher.network(teacherNetwork, teacherConfig.preconditioning());
            ProgressiveObjective objective = new ProgressiveObjective(teacher, config.preconditioning(), steps,
                    grid(config), plan.weighting());
            Map<String, NDArray> initial = teacherNetwork == null ? null : teacherNetwork.weights().all();
            Trainer.Result result;
            try (RunLock lock = run.lock()) {
                boolean resume = run.hasCheckpoint();
                if (!resume) {
                    run.truncateMetrics(0, listener::warned);
                }
                result = Trainer.train(config, objective, initial, data, run, lock, resume, listener);
            }
            Generator teacherGenerator = teacherNetwork == null
                    ? Generators.mixture(source.mixture(), config.preconditioning().schedule())
                    : new TrainedModel(teacherConfig, teacherNetwork).generator();
            double gap = gap(plan, config, TrainedModel.load(dir, manager).generator(), teacherGenerator, steps,
                    manager);
            List<JsonNode> metrics = run.readMetrics();
            double loss = metrics.isEmpty() ? result.loss() : metrics.get(metrics.size() - 1).path("loss").asDouble();
            Round done = new Round(round, 2 * steps, steps, dir.toString(), config.optimization().steps(),
                    trainingSeconds(metrics), loss, gap, plan.gapSamples());
            try {
                AtomicFiles.writeString(summary, TrainingConfig.JSON.writeValueAsString(done) + "\n");
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
            listener.roundFinished(done);
            return done;
        }
    }

    /** The nested grid of a round's config. */
    static GridSpec grid(TrainingConfig config) {
        TrainingConfig.Sampling s = config.sampling();
        return new GridSpec.NestedKarras(s.sigmaMin(), s.sigmaMax(), s.rho());
    }

    /**
     * The RMS difference between the student's {@code steps}-step DDIM samples and the teacher's 2·steps-step DDIM
     * samples on the same grid rule from the same seeds (classes in turn for a conditional model).
     */
    static double gap(DistillationPlan plan, TrainingConfig config, Generator student, Generator teacher, int steps,
            NDManager parent) {
        int n = plan.gapSamples();
        long[] seeds = new long[n];
        int[] classes = student.classes() > 0 ? new int[n] : null;
        for (int i = 0; i < n; i++) {
            seeds[i] = 1_000_000L + i;
            if (classes != null) {
                classes[i] = i % student.classes();
            }
        }
        try (NDManager manager = parent.newSubManager()) {
            GenerationRequest request = GenerationRequest.builder(seeds).classes(classes).sampler("ddim")
                    .grid(grid(config)).steps(steps).build();
            NDArray a = student.generate(request, manager).samples();
            NDArray b = teacher.generate(request.toBuilder().steps(2 * steps).build(), manager).samples();
            double[] x = a.toType(DataType.FLOAT64, false).toDoubleArray();
            double[] y = b.toType(DataType.FLOAT64, false).toDoubleArray();
            double sum = 0;
            for (int i = 0; i < x.length; i++) {
                sum += (x[i] - y[i]) * (x[i] - y[i]);
            }
            return Math.sqrt(sum / x.length);
        }
    }

    /** Training time in all: the last "seconds" of each session (a session's clock restarts at a resume). */
    static double trainingSeconds(List<JsonNode> metrics) {
        double total = 0;
        double previous = -1;
        for (JsonNode line : metrics) {
            double s = line.path("seconds").asDouble();
            if (s < previous) {
                total += previous;
            }
            previous = s;
        }
        return total + Math.max(previous, 0);
    }

    private static Round readRound(Path file) {
        try {
            return TrainingConfig.JSON.readValue(UserFiles.readText(file), Round.class);
        } catch (JsonProcessingException e) {
            throw new FileFormatException(file, "unreadable round summary (" + e.getOriginalMessage() + ")");
        }
    }

    private static void checkOut(DistillationPlan plan, Path out, boolean resume) {
        PlanFiles.checkOut(plan, out, out.resolve(DistillationPlan.FILE), DistillationPlan::read, resume,
                "distillation");
    }

    /** The teacher of {@code plan}, checked to be a Gaussian-process model the student can start from. */
    private static Source resolve(DistillationPlan plan, NDManager manager) {
        String name = plan.teacher();
        if (name.startsWith("gmm:")) {
            return new Source(null, ModelSource.mixture(name));
        }
        if (name.startsWith(ModelSource.TORCHSCRIPT)) {
            throw new InvalidArgumentException("--teacher " + name + ": a TorchScript model cannot be distilled (the "
                    + "student starts from the teacher's weights, which a traced module does not expose); use a run "
                    + "directory, bundled:NAME or gmm:NAME");
        }
        TrainingConfig config;
        if (name.startsWith("bundled:")) {
            config = null;
        } else {
            Path dir = Path.of(name);
            if (!Files.isDirectory(dir)) {
                throw new InvalidArgumentException("--teacher " + name + ": no such run directory (expected a run "
                        + "directory, bundled:NAME or gmm:NAME)");
            }
            config = TrainingConfig.read(new RunDirectory(dir).config());
            checkGaussian(config, new RunDirectory(dir).config().toString());
            Path weights = new RunDirectory(dir).model();
            if (!Files.isRegularFile(weights)) {
                throw new FileFormatException(weights, "the teacher's weights are missing: expected the trained "
                        + "model's EMA weights here (a run writes them at its first checkpoint)");
            }
        }
        TrainedModel trained = name.startsWith("bundled:")
                ? TrainedModel.bundled(ModelSource.bundledName(name), manager)
                : TrainedModel.load(Path.of(name), manager);
        checkGaussian(trained.config(), name + " config.json");
        if (plan.prediction() != null && !plan.prediction().equals(trained.config().preconditioning().prediction())) {
            throw new InvalidArgumentException("--prediction " + plan.prediction() + ": the student starts from the "
                    + "teacher's weights, so it keeps the teacher's prediction "
                    + trained.config().preconditioning().prediction() + " (" + name
                    + " config.json preconditioning.prediction); leave --prediction out");
        }
        return new Source(trained, null);
    }

    /** Refuses a model that is not a Gaussian-process denoiser (phase-space, non-linear, degraded). */
    static void checkGaussian(TrainingConfig config, String where) {
        String why = config.notGaussian();
        if (why != null) {
            throw new InvalidArgumentException("--teacher: " + where + " " + why + "; distillation needs a "
                    + "Gaussian-process model, a denoiser of x_t = α·x_0 + σ·ε at every level");
        }
    }

    /** The student's config of round {@code round}. */
    static TrainingConfig studentConfig(DistillationPlan plan, Source source, int round) {
        int steps = plan.studentSteps(round);
        String teacherName = round == 1 ? plan.teacher() : "steps-" + 2 * steps;
        TrainingConfig.Data data;
        NetworkConfig network;
        Preconditioning preconditioning;
        TrainingConfig.Sampling base;
        double classDropout;
        String name;
        if (source.mixture() != null) {
            GaussianMixture mixture = source.mixture();
            String spec = plan.teacher().substring("gmm:".length());
            data = new TrainingConfig.Data("gmm", spec, 20000, 0, 0, false, List.of(mixture.dimension()));
            network = new NetworkConfig.Mlp(mixture.dimension(), 128, 3, 32, 0);
            double variance = 0;
            double[][] covariance = mixture.covariance();
            for (int i = 0; i < covariance.length; i++) {
                variance += covariance[i][i];
            }
            preconditioning = new Preconditioning("edm", plan.prediction() == null ? "edm" : plan.prediction(),
                    Math.sqrt(variance / covariance.length), true, "log-sigma");
            base = new TrainingConfig.Sampling("heun", 18, 0.002, 80, 7, 1000);
            classDropout = 0;
            name = spec;
        } else {
            TrainingConfig teacher = source.trained().config();
            data = teacher.data();
            network = teacher.network();
            preconditioning = teacher.preconditioning();
            base = teacher.sampling();
            classDropout = teacher.optimization().classDropout();
            name = teacher.name();
        }
        TrainingConfig.Optimization optimization = new TrainingConfig.Optimization(plan.batch(), plan.stepsPerRound(),
                plan.learningRate(), 0, 0.9, 0.999, 1e-8, 0, 1.0, 0, 0, classDropout, plan.seed() + round,
                plan.checkpointEvery(), (int) Math.min(Integer.MAX_VALUE, plan.stepsPerRound()), plan.logEvery(),
                "linear");
        TrainingConfig.Sampling sampling = new TrainingConfig.Sampling("ddim", steps, base.sigmaMin(),
                base.sigmaMax(), base.rho(), base.previews(), "nested-karras");
        return new TrainingConfig(name + "-progressive-" + steps, data, network, preconditioning,
                new TimeDistribution.GridLevels(steps, base.sigmaMin(), base.sigmaMax(), base.rho()), optimization,
                sampling, null, null, new TrainingConfig.Distillation("progressive", teacherName, 2 * steps, steps,
                        plan.weighting()));
    }
}
