package org.diffusion4j.cli;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.denoise.GaussianMixture;
import org.diffusion4j.denoise.MixtureSpec;
import org.diffusion4j.generate.Generator;
import org.diffusion4j.generate.Generators;
import org.diffusion4j.generate.TorchScriptModel;
import org.diffusion4j.process.Schedules;
import org.diffusion4j.train.TrainedModel;

/** Turns a {@code --model} or {@code --run} value into a model. */
final class Models {
    private Models() {}

    /** A model ready to generate, with the name messages use. */
    record Loaded(String name, Generator generator) {}

    /** The prefix of a TorchScript model: {@code torchscript:FILE.pt}, its sidecar {@code FILE.json} next to it. */
    static final String TORCHSCRIPT = "torchscript:";

    /**
     * The model of {@code --model} (gmm:…, bundled:…, torchscript:…) or {@code --run} (one of them is set); a mixture
     * is seen through {@code process} (null: edm), which a trained or TorchScript model must match if given.
     */
    static Loaded load(String model, Path run, String process, NDManager manager) {
        if (model != null && model.startsWith("gmm:")) {
            return new Loaded(model, Generators.mixture(mixture(model), Schedules.byName(process == null ? "edm"
                    : process)));
        }
        if (model != null && model.startsWith(TORCHSCRIPT)) {
            TorchScriptModel imported = TorchScriptModel.load(torchScriptFile(model), manager);
            String own = imported.sidecar().preconditioning().process();
            if (process != null && !process.equals(own)) {
                throw new InvalidArgumentException("the TorchScript model's sidecar sets process " + own
                        + "; --process " + process + " cannot change it");
            }
            return new Loaded(model, imported.generator());
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
        if (run == null && model.startsWith(TORCHSCRIPT)) {
            throw new InvalidArgumentException("'" + model + "' is a TorchScript model, not a trained run; this "
                    + "command needs a trained run (--run) or bundled:NAME");
        }
        return run != null ? TrainedModel.load(run, manager) : TrainedModel.bundled(bundledModel(model), manager);
    }

    /** The file of {@code torchscript:FILE.pt}. */
    static Path torchScriptFile(String model) {
        String file = model.substring(TORCHSCRIPT.length());
        if (file.isBlank()) {
            throw new InvalidArgumentException("--model torchscript: needs a file, e.g. torchscript:model.pt");
        }
        return Path.of(file);
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
            throw new InvalidArgumentException("unknown model '" + model + "'; expected gmm:FILE.json, gmm:NAME, "
                    + "bundled:NAME (" + String.join(", ", TrainedModel.BUNDLED) + ") or torchscript:FILE.pt");
        }
        return model.substring("bundled:".length());
    }
}
