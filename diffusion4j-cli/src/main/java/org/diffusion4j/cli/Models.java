package org.diffusion4j.cli;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.generate.Generator;
import org.diffusion4j.train.ModelSource;
import org.diffusion4j.train.RunDirectory;
import org.diffusion4j.train.TrainingConfig;
import org.diffusion4j.train.TrainedModel;

/** Turns a {@code --model} or {@code --run} value into a model ({@link ModelSource} resolves the names). */
final class Models {
    private Models() {}

    /** A model ready to generate, with the name messages use. */
    record Loaded(String name, Generator generator) {}

    /**
     * The model of {@code --model} (gmm:…, bundled:…, torchscript:…) or {@code --run} (one of them is set); a mixture
     * is seen through {@code process} (null: edm), which a trained or TorchScript model must match if given.
     */
    /**
     * Checks, before any model loads, that {@code run} records its own sampling (a distilled run: its sampler and
     * step count), so that {@code option} may be left out; otherwise the error names the option and the run.
     */
    static void requireRecordedSampling(Path run, String option) {
        refuseRestoration(run);
        if (TrainingConfig.read(new RunDirectory(run).config()).distillation() == null) {
            throw new InvalidArgumentException(option + " is required: " + run + " records no sampling of its own "
                    + "(a distilled run does)");
        }
    }

    /**
     * Refuses a restoration run (a bridge, a conditional model, a regressor): it restores given observations, which
     * the commands that generate from seeds alone ({@code sample}, {@code eval}, {@code serve}) do not take.
     */
    private static void refuseRestoration(Path run) {
        if (run == null) {
            return;
        }
        TrainingConfig config = TrainingConfig.read(new RunDirectory(run).config());
        if (config.restorationTask() != null) {
            String what = config.bridge() != null ? "a bridge model (task " + config.bridge().task()
                    : "a " + config.restoration().method() + " restoration model (task " + config.restoration().task();
            throw new InvalidArgumentException(run + " is " + what + "): it restores given observations, which this "
                    + "command does not take (docs/restoration.md)");
        }
    }

    static Loaded load(String model, Path run, String process, NDManager manager) {
        refuseRestoration(run);
        ModelSource source = source(model, run, process);
        return new Loaded(source.name(), source.load(manager));
    }

    /** The trained model of {@code --model bundled:NAME} or {@code --run DIR}. */
    static TrainedModel trained(String model, Path run, NDManager manager) {
        refuseRestoration(run);
        return source(model, run, null).trained(manager);
    }

    /** The source of {@code --model} or {@code --run}, whichever is given. */
    static ModelSource source(String model, Path run, String process) {
        return run != null ? new ModelSource(null, run.toString(), process) : new ModelSource(model, null, process);
    }
}
