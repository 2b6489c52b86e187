package org.diffusion4j.cli;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.bench.DeterminismTable;
import org.diffusion4j.io.AtomicFiles;
import org.diffusion4j.train.TrainingConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code d4j bench determinism}: do the same seeds give the same samples across batches, threads and runs? */
@Command(name = "determinism", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Generate seeds 0 … N−1 with a model under each sampler as one batch on the first thread "
                + "count (the reference), then again as a repeat, in smaller batches and with the other thread "
                + "counts, and compare every value with the reference: bit-identical, or the largest |Δ|."})
final class BenchDeterminismCommand implements Callable<Integer> {

    @Option(names = "--model", paramLabel = "MODEL", defaultValue = "bundled:mnist-edm",
            description = "The model (as d4j sample --model; default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--samplers", paramLabel = "SPEC;…", defaultValue = "heun;dpmpp-2m;euler-ancestral;dpmpp-2m-sde",
            description = "Sampler specs (default: ${DEFAULT-VALUE}).")
    String samplers;

    @Option(names = "--n", paramLabel = "N", defaultValue = "64",
            description = "Samples, seeds 0 … N−1 (default: ${DEFAULT-VALUE}).")
    int n;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "10",
            description = "Sampler steps (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--batches", paramLabel = "B,…", split = ",", defaultValue = "1,7",
            description = "Batch sizes compared with one batch of all N (default: ${DEFAULT-VALUE}).")
    List<Integer> batches;

    @Option(names = "--thread-counts", paramLabel = "T,…", split = ",", defaultValue = "1,2",
            description = "Intra-op thread counts; the first is the reference's (default: ${DEFAULT-VALUE}).")
    List<Integer> threadCounts;

    @Option(names = "--json", paramLabel = "FILE", description = "Write the table as JSON.")
    Path json;

    @Override
    public Integer call() {
        if (n < 1 || steps < 1 || batches.stream().anyMatch(b -> b < 1) || threadCounts.isEmpty()
                || threadCounts.stream().anyMatch(t -> t < 1)) {
            throw new InvalidArgumentException("--n, --steps, --batches and --thread-counts must be at least 1");
        }
        DeterminismTable.Settings settings = new DeterminismTable.Settings(SamplerSpecs.split(samplers), n, steps,
                batches, threadCounts);
        System.out.printf(Locale.ROOT, "%s, %d samples (seeds 0 … %d), %d steps%n", model, n, n - 1, steps);
        String header = String.format("%-16s %-13s %-30s %-14s %12s %14s %8s", "sampler", "kind", "variant",
                "bit-identical", "max |Δ|", "values differ", "seconds");
        System.out.println(header);
        System.out.println("-".repeat(header.length()));
        List<DeterminismTable.Row> rows;
        try (NDManager manager = Backend.newManager()) {
            rows = DeterminismTable.run(Models.load(model, null, null, manager).generator(), settings,
                    r -> System.out.printf(Locale.ROOT, "%-16s %-13s %-30s %-14s %12.3g %14s %8.1f%n", r.sampler(),
                            r.stochastic() ? "stochastic" : "deterministic", r.variant(), r.identical() ? "yes" : "no",
                            r.maxAbsDifference(), r.differingValues() + "/" + r.values(), r.seconds()));
        }
        if (json != null) {
            var root = TrainingConfig.JSON.createObjectNode();
            root.put("model", model);
            root.set("settings", TrainingConfig.JSON.valueToTree(settings));
            root.set("rows", TrainingConfig.JSON.valueToTree(rows));
            AtomicFiles.writeString(json, root.toPrettyString() + "\n");
            System.out.println("wrote " + json);
        }
        return 0;
    }
}
