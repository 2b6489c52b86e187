package org.diffusion4j.cli;

import java.nio.file.Path;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.denoise.GaussianMixture;
import org.diffusion4j.denoise.MixtureSpec;

/** Turns a {@code --model} value into a model. */
final class Models {
    private Models() {}

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
                    + "bundled:NAME (" + String.join(", ", org.diffusion4j.train.TrainedModel.BUNDLED) + ")");
        }
        return model.substring("bundled:".length());
    }
}
