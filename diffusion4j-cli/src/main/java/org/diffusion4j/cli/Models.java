package org.diffusion4j.cli;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.denoise.GaussianMixture;
import org.diffusion4j.denoise.MixtureSpec;
import org.diffusion4j.generate.Generator;
import org.diffusion4j.generate.Generators;
import org.diffusion4j.process.Schedules;
import org.diffusion4j.train.TrainedModel;

/** Turns a {@code --model} or {@code --run} value into a model. */
final class Models {
    private Models() {}

    /** A model ready to generate, with the name messages use. */
    record Loaded(String name, Generator generator) {}

    /**
     * The model of {@code --model} (gmm:…, bundled:…) or {@code --run} (one of them is set); a mixture is seen through
     * {@code process} (null: edm), which a trained model must match if given.
     */
    static Loaded load(String model, Path run, String process, NDManager manager) {
        if (model != null && model.startsWith("gmm:")) {
            return new Loaded(model, Generators.mixture(mixture(model), Schedules.byName(process == null ? "edm"
                    : process)));
        }
        TrainedModel trained = trained(model, run, manager);
        String own = trained.config().preconditioning().process();
        if (process != null && !process.equals(own)) {
            throw new InvalidArgumentException("the model was trained on process " + own + "; --process " + process
                    + " cannot change it");
        }
        return new Loaded(run != null ? run.toString() : model, trained.generator());
    }

    /** The trained model of {@code --model bundled:NAME} or {@code --run DIR}. */
    static TrainedModel trained(String model, Path run, NDManager manager) {
        return run != null ? TrainedModel.load(run, manager) : TrainedModel.bundled(bundledModel(model), manager);
    }

    /**
     * {@code gmm:FILE.json} reads a mixture spec, {@code gmm:NAME} a bundled one
     * ({@code eight-gaussians}, {@code two-gaussians-1d}).
     */
    static GaussianMixture mixture(String model) {
        if (model.startsWith("bundled:")) {
            throw new InvalidArgumentException("'" + model + "' is a trained model; this command needs gmm:FILE.json "
                    + "or gmm:NAME");
        }
        if (!model.startsWith("gmm:") || model.length() == 4) {
            throw new InvalidArgumentException("unknown model '" + model + "'; expected gmm:FILE.json or gmm:NAME "
                    + "with NAME one of " + String.join(", ", MixtureSpec.BUNDLED));
        }
        String target = model.substring(4);
        if (MixtureSpec.BUNDLED.contains(target)) {
            return MixtureSpec.bundled(target);
        }
        return MixtureSpec.read(Path.of(target));
    }

    /** The name in {@code bundled:NAME}. */
    static String bundledModel(String model) {
        if (!model.startsWith("bundled:")) {
            throw new InvalidArgumentException("unknown model '" + model + "'; expected gmm:FILE.json, gmm:NAME or "
                    + "bundled:NAME (" + String.join(", ", TrainedModel.BUNDLED) + ")");
        }
        return model.substring("bundled:".length());
    }
}
