package org.diffusion4j.cli;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.train.ModelSource;
import org.diffusion4j.train.PyTorchExport;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code d4j export}: write a trained model for another framework. */
@Command(name = "export", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Write a trained model for another framework.",
            "--to pytorch writes DIR with the model's EMA weights (model.safetensors), its config.json, export.json, "
                    + "a self-contained PyTorch module (diffusion4j_model.py) that rebuilds the network and its "
                    + "denoiser D(x; σ), and a README.md with a k-diffusion sampling snippet.",
            "Example: d4j export --run runs/mnist --to pytorch mnist-pytorch"})
final class ExportCommand implements Callable<Integer> {

    @ArgGroup(exclusive = true, multiplicity = "1")
    ModelOptions source;

    static final class ModelOptions {
        @Option(names = "--model", paramLabel = "MODEL",
                description = "bundled:NAME, a trained model shipped with diffusion4j (mnist-edm).")
        String model;

        @Option(names = "--run", paramLabel = "RUN", description = "A trained run directory (its EMA weights).")
        Path run;
    }

    @Option(names = "--to", required = true, paramLabel = "TARGET", description = "The framework: pytorch.")
    String target;

    @Parameters(index = "0", arity = "0..1", paramLabel = "DIR",
            description = "The directory to write (or --out DIR).")
    Path dir;

    @Option(names = "--out", paramLabel = "DIR", description = "The directory to write (or DIR after the options).")
    Path out;

    @Option(names = "--force", description = "Replace DIR if it exists and is not empty.")
    boolean force;

    @Override
    public Integer call() {
        PyTorchExport.checkTarget(target.toLowerCase(Locale.ROOT));
        if (dir != null && out != null) {
            throw new InvalidArgumentException("give the output directory once, as DIR or as --out (got " + dir
                    + " and --out " + out + ")");
        }
        Path directory = dir != null ? dir : out;
        if (directory == null) {
            throw new InvalidArgumentException("missing the output directory: d4j export ... --to " + target + " DIR");
        }
        PyTorchExport.Result result;
        try (NDManager manager = Backend.newManager()) {
            if (source.run != null) {
                result = PyTorchExport.exportRun(source.run, directory, force, manager);
            } else {
                if (source.model.startsWith("gmm:")) {
                    throw new InvalidArgumentException("'" + source.model + "' is a Gaussian mixture, an exact "
                            + "denoiser without a network; export takes bundled:NAME or --run RUN");
                }
                result = PyTorchExport.exportBundled(ModelSource.bundledName(source.model), directory, force, manager);
            }
        }
        System.out.printf(Locale.ROOT, "exported %s (%s network, %,d parameters) to %s%s: %s%n",
                source.run != null ? source.run : source.model, result.network(), result.parameters(),
                result.directory(), result.replaced() ? " (replaced)" : "", String.join(", ", PyTorchExport.FILES));
        System.out.println("load it in Python: see " + result.directory().resolve("README.md"));
        return 0;
    }
}
