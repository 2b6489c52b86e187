package org.diffusion4j.cli;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.diffusion4j.backend.ThreadPolicy;
import org.diffusion4j.bench.ThreadPolicyBenchmark;
import org.diffusion4j.io.AtomicFiles;
import org.diffusion4j.train.TrainingConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code d4j bench threads}: each thread policy on an idle machine, under a competing load and beside a twin run. */
@Command(name = "threads", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Time sampling and training with each engine thread policy (a fixed count or auto) on an "
                + "idle machine, with busy processes on every core (loaded), and beside a second copy of the same "
                + "run (twin). Each measurement is a fresh process; rows give the median and the ratio to the best "
                + "policy of the same workload and condition. Run it on an otherwise idle machine."})
final class BenchThreadsCommand implements Callable<Integer> {

    @Option(names = "--workloads", paramLabel = "W,…", split = ",",
            defaultValue = "sample-unet,train-unet,sample-mlp",
            description = "Workloads (default: ${DEFAULT-VALUE}).")
    List<String> workloads;

    @Option(names = "--policies", paramLabel = "P,…", split = ",", defaultValue = "1,2,auto",
            description = "Thread policies, as --threads takes them (default: ${DEFAULT-VALUE}).")
    List<String> policies;

    @Option(names = "--conditions", paramLabel = "C,…", split = ",", defaultValue = "idle,loaded,twin",
            description = "Conditions: idle, loaded, twin (default: ${DEFAULT-VALUE}).")
    List<String> conditions;

    @Option(names = "--repeats", paramLabel = "N", defaultValue = "3",
            description = "Measurements per row; the row keeps the median (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--json", paramLabel = "FILE", description = "Write the table as JSON.")
    Path json;

    @Override
    public Integer call() {
        int cores = Runtime.getRuntime().availableProcessors();
        policies.forEach(p -> ThreadPolicy.parse("--policies", p, cores)); // refuse a bad one before measuring
        ThreadPolicyBenchmark.Config config = new ThreadPolicyBenchmark.Config(workloads, policies, conditions,
                repeats);
        System.out.printf(Locale.ROOT, "%d cores; median of %d fresh processes per row%n", cores, repeats);
        String header = String.format("%-12s %-9s %-7s %9s %8s %8s  %s", "workload", "condition", "threads",
                "seconds", "× best", "ran at", "runs");
        System.out.println(header);
        System.out.println("-".repeat(header.length() + 12));
        List<ThreadPolicyBenchmark.Row> rows = ThreadPolicyBenchmark.run(config, r -> System.out.printf(Locale.ROOT,
                "%-12s %-9s %-7s %9.2f %7.2f× %8d  %s%n", r.workload(), r.condition(), r.policy(), r.seconds(),
                r.vsBest(), r.lastThreads(), Arrays.stream(r.runs()).mapToObj(s -> String.format(Locale.ROOT,
                        "%.2f", s)).collect(Collectors.joining(" "))));
        if (json != null) {
            var root = TrainingConfig.JSON.createObjectNode();
            root.put("cores", cores);
            root.set("config", TrainingConfig.JSON.valueToTree(config));
            root.set("rows", TrainingConfig.JSON.valueToTree(rows));
            AtomicFiles.writeString(json, root.toPrettyString() + "\n");
            System.out.println("wrote " + json);
        }
        return 0;
    }
}
