package org.diffusion4j.spark;

import org.diffusion4j.train.ModelSource;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/** {@code --model} or {@code --run}, and {@code --process} for mixtures. */
final class ModelOptions {

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    static final class Source {
        @Option(names = "--model", paramLabel = "MODEL",
                description = "gmm:NAME (bundled: eight-gaussians, two-gaussians-1d) or gmm:FILE.json, an exact "
                        + "mixture; bundled:NAME (mnist-edm); or torchscript:FILE.pt with its sidecar FILE.json. "
                        + "Files must be readable at the same path on every executor.")
        String model;

        @Option(names = "--run", paramLabel = "RUN", description = "A trained run directory (its EMA weights).")
        String run;
    }

    @Option(names = "--process", paramLabel = "NAME",
            description = "For gmm models, the process the model is seen through (default: edm).")
    String process;

    ModelSource source() {
        return new ModelSource(source.model, source.run, process);
    }
}
