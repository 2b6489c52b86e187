package org.diffusion4j.cli;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.backend.EngineThreads;
import org.diffusion4j.bench.TorchComparison;
import org.diffusion4j.io.AtomicFiles;
import org.diffusion4j.io.OutputPaths;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code d4j bench torch}: the same network in diffusion4j and in PyTorch eager, side by side. */
@Command(name = "torch", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Time a model's network in diffusion4j and in PyTorch eager, side by side: the same "
                + "architecture and weights (exported with d4j export --to pytorch and rebuilt by its Python "
                + "module), the same inputs and intra-op threads (d4j's --threads, e.g. d4j bench torch --threads 1).",
            "The outputs must agree first. Then each round times, on each side in turn, the forward pass (no "
                    + "gradients) and a training step (training mode, mean squared error to a fixed target, "
                    + "backward, AdamW, gradients zeroed) at each batch; the table shows the medians over the "
                    + "rounds and their ratio (diffusion4j / PyTorch: below 1, diffusion4j is faster).",
            "Without PyTorch for --python it prints why and exits 0."})
final class BenchTorchCommand implements Callable<Integer> {

    @ArgGroup(exclusive = true)
    ModelOptions source = new ModelOptions();

    static final class ModelOptions {
        @Option(names = "--model", paramLabel = "MODEL", defaultValue = "bundled:mnist-edm",
                description = "bundled:NAME, a trained model shipped with diffusion4j (default: ${DEFAULT-VALUE}).")
        String model = "bundled:mnist-edm";

        @Option(names = "--run", paramLabel = "RUN", description = "A trained run directory (its EMA weights).")
        Path run;
    }

    @Option(names = "--batches", paramLabel = "B,…", split = ",", defaultValue = "1,16,64",
            description = "Batch sizes (default: ${DEFAULT-VALUE}).")
    List<Integer> batches;

    @Option(names = "--rounds", paramLabel = "N", defaultValue = "7",
            description = "Timed rounds; the table shows medians (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--min-seconds", paramLabel = "S", defaultValue = "0.25",
            description = "Least time of one side's measurement in a round; short calls are repeated "
                    + "(default: ${DEFAULT-VALUE}).")
    double minSeconds;

    @Option(names = "--python", paramLabel = "PYTHON", defaultValue = "/usr/bin/python3",
            description = "The Python with PyTorch (default: ${DEFAULT-VALUE}).")
    Path python;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "Seeds the inputs "
            + "(default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--json", paramLabel = "FILE", description = "Write the results as JSON.")
    Path json;

    @Option(names = "--quiet", description = "No progress lines.")
    boolean quiet;

    @Override
    public Integer call() throws IOException {
        if (json != null) {
            OutputPaths.requireWritableFile(json, "--json");
        }
        TorchComparison.Config config = new TorchComparison.Config(source.run == null ? source.model : null,
                source.run, batches, EngineThreads.policy().maxThreads(), rounds, minSeconds, python, seed);
        TorchComparison.Outcome outcome;
        try (NDManager manager = Backend.newManager()) {
            outcome = TorchComparison.run(config, manager, line -> {
                if (!quiet) {
                    System.err.println(line);
                }
            });
        }
        if (outcome instanceof TorchComparison.Skipped skipped) {
            System.out.println(skipped.message());
            return 0;
        }
        TorchComparison.Report report = (TorchComparison.Report) outcome;
        print(report, System.out);
        if (json != null) {
            ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                    .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
            ObjectNode root = mapper.valueToTree(report);
            ObjectNode setup = root.putObject("setup");
            setup.set("config", mapper.valueToTree(config));
            setup.put("cores", Runtime.getRuntime().availableProcessors());
            setup.put("java", System.getProperty("java.version"));
            setup.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
            AtomicFiles.writeString(json, mapper.writeValueAsString(root) + "\n");
            System.out.println("wrote " + json);
        }
        return 0;
    }

    static void print(TorchComparison.Report report, PrintStream out) {
        out.printf(Locale.ROOT, "%s: diffusion4j (PyTorch %s through DJL) against PyTorch %s eager, %d intra-op "
                + "thread%s each, %d cores; medians of %d rounds%n", report.model(), report.engineVersion(),
                report.torchVersion(), report.threads(), report.threads() == 1 ? "" : "s",
                Runtime.getRuntime().availableProcessors(), report.rounds());
        for (TorchComparison.Agreement a : report.agreement()) {
            out.printf(Locale.ROOT, "batch %d: outputs agree, max |difference| %.2g (max |output| %.3g)%n",
                    a.batch(), a.maxAbsDiff(), a.maxAbsJava());
        }
        String header = String.format("%6s  %-8s %6s %12s %12s %7s", "batch", "op", "calls", "d4j ms",
                "PyTorch ms", "ratio");
        out.println(header);
        out.println("-".repeat(header.length()));
        for (TorchComparison.Row r : report.rows()) {
            out.printf(Locale.ROOT, "%6d  %-8s %6d %12.2f %12.2f %6.2f×%n", r.batch(), r.operation(), r.calls(),
                    r.javaMs(), r.torchMs(), r.ratio());
        }
    }
}
