package org.diffusion4j.train;

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

/**
 * A model as the command line names it: {@code gmm:NAME} or {@code gmm:FILE.json} (an exact mixture, seen through
 * {@code process}), {@code bundled:NAME}, {@code torchscript:FILE.pt} (its sidecar {@code FILE.json} beside it), or a
 * run directory. The one place these names are resolved, for {@code d4j} and for Spark executors (it is
 * serializable, and paths must be readable where it is loaded).
 *
 * @param model the {@code --model} value, or null when {@code run} is set
 * @param run a trained run directory, or null
 * @param process the process a mixture is seen through (null: edm); a trained or TorchScript model has its own,
 *     which {@code process} must match when given
 */
public record ModelSource(String model, String run, String process) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The prefix of a TorchScript model. */
    public static final String TORCHSCRIPT = "torchscript:";

    public ModelSource {
        if ((model == null) == (run == null)) {
            throw new InvalidArgumentException("give exactly one of --model and --run");
        }
        if (model != null && !(model.startsWith("gmm:") || model.startsWith("bundled:")
                || model.startsWith(TORCHSCRIPT))) {
            throw unknown(model);
        }
    }

    /**
     * The source a name on the command line means: {@code gmm:}, {@code bundled:} or {@code torchscript:} models by
     * their prefix, anything else a run directory.
     */
    public static ModelSource named(String name) {
        boolean model = name.startsWith("gmm:") || name.startsWith("bundled:") || name.startsWith(TORCHSCRIPT);
        return model ? new ModelSource(name, null, null) : new ModelSource(null, name, null);
    }

    /** The name messages and manifests use. */
    public String name() {
        return model != null ? model : run;
    }

    /** The mixture of a {@code gmm:} model, or null for trained and TorchScript models. */
    public GaussianMixture mixture() {
        return model != null && model.startsWith("gmm:") ? mixture(model) : null;
    }

    /**
     * The trained model of {@code bundled:NAME} or a run directory, its weights in {@code manager}; its process must be
     * {@code process} when that is given.
     */
    public TrainedModel trained(NDManager manager) {
        if (run == null && model.startsWith(TORCHSCRIPT)) {
            throw new InvalidArgumentException("'" + model + "' is a TorchScript model, not a trained run; this "
                    + "command needs a trained run (--run) or bundled:NAME");
        }
        TrainedModel trained = run != null ? TrainedModel.load(Path.of(run), manager)
                : TrainedModel.bundled(bundledName(model), manager);
        requireProcess(trained.config().preconditioning().process(), "the model was trained on");
        return trained;
    }

    /** The model, ready to generate, its weights in {@code manager}. */
    public Generator load(NDManager manager) {
        GaussianMixture mixture = mixture();
        if (mixture != null) {
            return Generators.mixture(mixture, Schedules.byName(process == null ? "edm" : process));
        }
        if (model != null && model.startsWith(TORCHSCRIPT)) {
            TorchScriptModel imported = TorchScriptModel.load(torchScriptFile(model), manager);
            requireProcess(imported.sidecar().preconditioning().process(), "the TorchScript model's sidecar sets");
            return imported.generator();
        }
        return trained(manager).generator();
    }

    private void requireProcess(String own, String whose) {
        if (process != null && !process.equals(own)) {
            throw new InvalidArgumentException(whose + " process " + own + "; --process " + process
                    + " cannot change it");
        }
    }

    /** {@code gmm:FILE.json} reads a mixture spec, {@code gmm:NAME} a bundled one. */
    public static GaussianMixture mixture(String spec) {
        if (spec.startsWith("bundled:")) {
            throw new InvalidArgumentException("'" + spec + "' is a trained model; this command needs gmm:FILE.json "
                    + "or gmm:NAME");
        }
        if (!spec.startsWith("gmm:") || spec.length() == 4) {
            throw new InvalidArgumentException("unknown model '" + spec + "'; expected gmm:FILE.json or gmm:NAME "
                    + "with NAME one of " + String.join(", ", MixtureSpec.BUNDLED));
        }
        String target = spec.substring(4);
        return MixtureSpec.BUNDLED.contains(target) ? MixtureSpec.bundled(target) : MixtureSpec.read(Path.of(target));
    }

    /**
     * The config of a trained model (a run directory or {@code bundled:NAME}) without loading its weights; null for a
     * mixture or TorchScript model.
     */
    public TrainingConfig trainedConfig() {
        if (run != null) {
            return TrainingConfig.read(new RunDirectory(Path.of(run)).config());
        }
        return model.startsWith("bundled:") ? TrainedModel.bundledConfig(bundledName(model)) : null;
    }

    /** The name in {@code bundled:NAME}. */
    public static String bundledName(String model) {
        if (!model.startsWith("bundled:")) {
            throw unknown(model);
        }
        return model.substring("bundled:".length());
    }

    /** The file of {@code torchscript:FILE.pt}. */
    public static Path torchScriptFile(String model) {
        String file = model.substring(TORCHSCRIPT.length());
        if (file.isBlank()) {
            throw new InvalidArgumentException("--model torchscript: needs a file, e.g. torchscript:model.pt");
        }
        return Path.of(file);
    }

    private static InvalidArgumentException unknown(String model) {
        return new InvalidArgumentException("unknown model '" + model + "'; expected gmm:FILE.json, gmm:NAME, "
                + "bundled:NAME (" + String.join(", ", TrainedModel.BUNDLED) + ") or torchscript:FILE.pt");
    }
}
