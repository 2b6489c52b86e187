package org.diffusion4j.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.data.ImageSet;
import org.diffusion4j.train.Presets;
import org.diffusion4j.train.RunDirectory;
import org.diffusion4j.train.RunLock;
import org.diffusion4j.train.TrainedModel;
import org.diffusion4j.train.Trainer;
import org.diffusion4j.train.TrainingConfig;
import org.diffusion4j.train.TrainingData;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code d4j train}: train a diffusion or flow model into a run directory. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a diffusion or flow model into a run directory.",
            "The run holds config.json, model.safetensors (EMA weights), train-state.safetensors + .json, "
                    + "metrics.jsonl and samples/ (preview grids). Every file is written atomically; --resume "
                    + "continues a stopped or killed run exactly where its last checkpoint left it."})
final class TrainCommand implements Callable<Integer> {

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Source source = new Source();

    static final class Source {
        @Option(names = "--preset", paramLabel = "NAME", completionCandidates = PresetNames.class,
                description = "A ready-made config: ${COMPLETION-CANDIDATES}.")
        String preset;

        @Option(names = "--config", paramLabel = "FILE", description = "A config.json (e.g. from another run).")
        Path config;
    }

    @Option(names = "--out", paramLabel = "RUN", description = "The run directory (default: runs/NAME).")
    Path out;

    @Option(names = "--steps", paramLabel = "N", description = "Train this many steps in all (overrides the config).")
    Long steps;

    @Option(names = "--resume", description = "Continue the run in --out from its last checkpoint.")
    boolean resume;

    @Option(names = "--init", paramLabel = "RUN", description = "Start a new run from the trained model (EMA "
            + "weights) of RUN, whose network must be the config's: fine-tuning, e.g. a robustified restorer from the "
            + "plain one.")
    Path init;

    @Mixin
    DataOptions datasets;

    @Option(names = "--quiet", description = "No progress bar.")
    boolean quiet;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        TrainingConfig config = config();
        if (steps != null) {
            if (steps < 1) {
                throw new InvalidArgumentException("--steps must be at least 1, got " + steps);
            }
            config = config.withSteps(steps);
        }
        Path runPath = out != null ? out : Path.of("runs", config.name());
        RunDirectory run = new RunDirectory(runPath);
        Trainer.Result result;
        try (RunLock lock = run.lock(); NDManager manager = Backend.newManager()) {
            Map<String, NDArray> initial = initialWeights(config, manager);
            ImageSet data = TrainingData.load(config, datasets.dir, datasets.download(),
                    note -> System.err.println("d4j train: " + note));
            System.out.printf(Locale.ROOT, "training %s on %s (%d samples) into %s%s%n", config.name(), data.name(),
                    data.size(), runPath, initial == null ? "" : " from " + init);
            result = train(config, initial, data, run, lock);
        }
        if (result.stepsTrained() == 0) {
            System.out.printf(Locale.ROOT, "%s is already trained to step %d of %d; nothing to do (give a larger "
                    + "--steps to train further)%n", runPath, result.step(), config.optimization().steps());
        } else {
            System.out.printf(Locale.ROOT, "done: step %d, loss %.4f, %.1f s → %s%n", result.step(), result.loss(),
                    result.seconds(), runPath);
        }
        return 0;
    }

    /** The --init run's weights, or null; refused when its network is not the config's or --resume is given. */
    private Map<String, NDArray> initialWeights(TrainingConfig config, NDManager manager) {
        if (init == null) {
            return null;
        }
        if (resume) {
            throw new InvalidArgumentException("--init starts a new run; a resumed run continues from its own "
                    + "checkpoint: drop --init or --resume");
        }
        TrainedModel model = TrainedModel.load(init, manager);
        if (!model.config().network().equals(config.network())) {
            throw new InvalidArgumentException("--init " + init + ": its network (" + model.config().network()
                    + ") is not the config's (" + config.network() + ")");
        }
        return model.network().weights().all();
    }

    private Trainer.Result train(TrainingConfig config, Map<String, NDArray> initial, ImageSet data,
            RunDirectory run, RunLock lock) {
        long total = config.optimization().steps();
        try (Progress progress = new Progress("train", total, quiet, System.err)) {
            return Trainer.train(config, config.objective(), initial, data, run, lock, resume, new Trainer.Listener() {
                @Override
                public void started(long step, long steps, long parameters) {
                    System.out.printf(Locale.ROOT, "network: %,d parameters; starting at step %d of %d%n",
                            parameters, step, steps);
                    progress.skipTo(step);
                }

                @Override
                public void stepped(long step, double loss, double imagesPerSecond) {
                    progress.step(String.format(Locale.ROOT, "loss %.4f, %.0f img/s", loss, imagesPerSecond));
                }

                @Override
                public void warned(String message) {
                    spec.commandLine().getErr().println("d4j train: warning: " + message);
                    spec.commandLine().getErr().flush();
                }
            });
        }
    }

    private TrainingConfig config() {
        if (source.preset != null) {
            return Presets.named(source.preset);
        }
        if (source.config != null) {
            return TrainingConfig.read(source.config);
        }
        if (resume && out != null) {
            return TrainingConfig.read(new RunDirectory(out).config());
        }
        throw new InvalidArgumentException("say what to train: --preset NAME, --config FILE, or --resume --out RUN");
    }
}
