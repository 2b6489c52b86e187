package org.diffusion4j.spark;

import ai.djl.ndarray.NDManager;
import java.io.Serializable;
import java.nio.file.Path;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.denoise.GaussianMixture;
import org.diffusion4j.denoise.MixtureSpec;
import org.diffusion4j.generate.Generator;
import org.diffusion4j.generate.Generators;
import org.diffusion4j.generate.TorchScriptModel;
import org.diffusion4j.process.Schedules;
import org.diffusion4j.train.TrainedModel;

/**
 * A model named the way {@code d4j sample} names one, in a form that travels to executors: {@code gmm:NAME} or
 * {@code gmm:FILE.json} (an exact mixture, seen through {@code process}), {@code bundled:NAME}, {@code torchscript:FILE.pt}
 * or a run directory. Paths must be readable on every executor (the same path on a shared file system, or shipped
 * with {@code --files}).
 *
 * @param model the {@code --model} value, or null when {@code run} is set
 * @param run a trained run directory, or null
 * @param process the process a mixture is seen through (null: edm); trained and TorchScript models have their own
 */
public record ModelSource(String model, String run, String process) implements Serializable {
    private static final long serialVersionUID = 1L;

    public ModelSource {
        if ((model == null) == (run == null)) {
            throw new InvalidArgumentException("give exactly one of --model and --run");
        }
        if (model != null && !(model.startsWith("gmm:") || model.startsWith("bundled:")
                || model.startsWith("torchscript:"))) {
            throw new InvalidArgumentException("unknown model '" + model + "'; expected gmm:NAME, gmm:FILE.json, "
                    + "bundled:NAME (" + String.join(", ", TrainedModel.BUNDLED) + ") or torchscript:FILE.pt");
        }
        if (process != null && (model == null || !model.startsWith("gmm:"))) {
            throw new InvalidArgumentException("--process is for gmm: models; a trained or TorchScript model has "
                    + "its own process");
        }
    }

    /** The name messages and manifests use. */
    public String name() {
        return model != null ? model : run;
    }

    /** The mixture of a {@code gmm:} model, or null. */
    public GaussianMixture mixture() {
        return model != null && model.startsWith("gmm:") ? mixture(model) : null;
    }

    /** A trained model of {@code bundled:NAME} or a run, or null for mixtures and TorchScript models. */
    public TrainedModel trained(NDManager manager) {
        if (run != null) {
            return TrainedModel.load(Path.of(run), manager);
        }
        return model.startsWith("bundled:") ? TrainedModel.bundled(model.substring("bundled:".length()), manager)
                : null;
    }

    /** Loads the model, its weights in {@code manager}. */
    public Generator load(NDManager manager) {
        GaussianMixture mixture = mixture();
        if (mixture != null) {
            return Generators.mixture(mixture, Schedules.byName(process == null ? "edm" : process));
        }
        if (model != null && model.startsWith("torchscript:")) {
            String file = model.substring("torchscript:".length());
            if (file.isBlank()) {
                throw new InvalidArgumentException("--model torchscript: needs a file, e.g. torchscript:model.pt");
            }
            return TorchScriptModel.load(Path.of(file), manager).generator();
        }
        return trained(manager).generator();
    }

    /** The mixture of {@code gmm:NAME} (bundled) or {@code gmm:FILE.json}. */
    static GaussianMixture mixture(String spec) {
        String target = spec.substring("gmm:".length());
        if (target.isEmpty()) {
            throw new InvalidArgumentException("'" + spec + "' names no mixture; expected gmm:FILE.json or gmm:NAME "
                    + "with NAME one of " + String.join(", ", MixtureSpec.BUNDLED));
        }
        return MixtureSpec.BUNDLED.contains(target) ? MixtureSpec.bundled(target) : MixtureSpec.read(Path.of(target));
    }
}
