package org.diffusion4j.cli;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.data.ImageSet;
import org.diffusion4j.eval.DenoisingError;
import org.diffusion4j.io.AtomicFiles;
import org.diffusion4j.train.TrainedModel;
import org.diffusion4j.train.TrainingConfig;
import org.diffusion4j.train.TrainingData;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code d4j bench denoising-error}: how far each model's x̂_0 is from the data, noise level by noise level. */
@Command(name = "denoising-error", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Noise the first N samples of each model's own data at every level σ (one draw each) and "
                + "print the mean squared error of the model's x̂_0 per value, given each sample's class, beside the "
                + "error of the class means, which every exact denoiser reaches as σ grows: a model above that "
                + "line at large σ is worse than ignoring its input."})
final class BenchDenoisingErrorCommand implements Callable<Integer> {

    @Option(names = "--run", paramLabel = "RUN", description = "A trained run directory (repeatable).")
    List<Path> runs = new ArrayList<>();

    @Option(names = "--model", paramLabel = "MODEL", description = "A shipped model, bundled:NAME (repeatable).")
    List<String> models = new ArrayList<>();

    @Option(names = "--sigmas", paramLabel = "σ,…", split = ",", defaultValue = "0.05,0.2,0.5,1,2,5,10,20,40,80",
            description = "Noise levels, EDM view σ/α (default: ${DEFAULT-VALUE}).")
    double[] sigmas;

    @Option(names = "--n", paramLabel = "N", defaultValue = "256",
            description = "Samples, the first N of the data (default: ${DEFAULT-VALUE}).")
    int n;

    @Option(names = "--batch", paramLabel = "B", defaultValue = "64",
            description = "Samples per network call (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0",
            description = "Seed of the noise (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--data", paramLabel = "DIR", defaultValue = "${env:D4J_DATA:-data}",
            description = "Where MNIST and Fashion-MNIST are (default: $D4J_DATA or ./data).")
    Path dataDir;

    @Option(names = "--json", paramLabel = "FILE", description = "Write the table as JSON.")
    Path json;

    /** One model's row. */
    record Row(String model, String data, DenoisingError.Table table) {}

    @Override
    public Integer call() {
        if (runs.isEmpty() && models.isEmpty()) {
            throw new InvalidArgumentException("give at least one --run or --model");
        }
        StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "%-36s", "model \\ σ"));
        for (double s : sigmas) {
            header.append(String.format(Locale.ROOT, " %8s", format(s)));
        }
        header.append("  class means");
        System.out.printf(Locale.ROOT, "mean squared error of x̂_0 per value, first %d samples of each model's data, "
                + "seed %d%n%s%n%s%n", n, seed, header, "-".repeat(header.length()));
        List<Row> rows = new ArrayList<>();
        models.forEach(model -> rows.add(measure(model, null)));
        runs.forEach(run -> rows.add(measure(null, run)));
        if (json != null) {
            var root = TrainingConfig.JSON.createObjectNode();
            root.put("samples", n);
            root.put("seed", seed);
            root.put("batch", batch);
            root.set("rows", TrainingConfig.JSON.valueToTree(rows));
            AtomicFiles.writeString(json, root.toPrettyString() + "\n");
            System.out.println("wrote " + json);
        }
        return 0;
    }

    /** Measures the model of {@code --model model} or {@code --run run} (one is null) and prints its row. */
    private Row measure(String model, Path run) {
        String name = model != null ? model : run.toString();
        try (NDManager manager = Backend.newManager()) {
            TrainedModel trained = Models.trained(model, run, manager);
            ImageSet data = TrainingData.load(trained.config(), dataDir, false,
                    note -> System.err.println("d4j bench denoising-error: " + note));
            DenoisingError.Table table = DenoisingError.measure(
                    classes -> data.classes() > 0 ? trained.denoiser(classes, 1).edmView()
                            : trained.denoiser().edmView(), data, n, sigmas, seed, batch, manager);
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-36s", name));
            table.levels().forEach(l -> line.append(String.format(Locale.ROOT, " %8.4f", l.error())));
            System.out.println(line.append(String.format(Locale.ROOT, "  %11.4f", table.classMeanError())));
            return new Row(name, data.name(), table);
        }
    }

    private static String format(double sigma) {
        return sigma == Math.rint(sigma) ? String.valueOf((long) sigma) : String.valueOf(sigma);
    }
}
