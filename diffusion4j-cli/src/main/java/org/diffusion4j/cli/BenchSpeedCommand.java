package org.diffusion4j.cli;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.bench.SpeedBenchmark;
import org.diffusion4j.io.AtomicFiles;
import org.diffusion4j.io.OutputPaths;
import org.diffusion4j.sample.SamplerRegistry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code d4j bench speed}: what sampling and training cost on this machine, and where the time goes. */
@Command(name = "speed", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measure sampler overhead, training-loop overhead, thread scaling and memory growth.",
            "overhead = (T_sample − NFE·T_call)/T_sample, T_call the mean time of the run's own denoiser calls; "
                    + "training overhead = 1 − (loop images/s)/(bare forward+backward+AdamW images/s); "
                    + "memory growth = resident memory (after a full GC) at the end against after the first "
                    + "tenth of a long run.",
            "JMH benchmarks of the same measurements: java -cp 'diffusion4j-cli/target/lib/*' org.openjdk.jmh.Main "
                    + "(with the MALLOC_* settings of the d4j launcher)."})
final class BenchSpeedCommand implements Callable<Integer> {

    @Option(names = "--models", paramLabel = "NAME:BATCH,…", split = ",", defaultValue = "unet:64,mlp:4096",
            description = "Networks and sampling batches: unet (the shipped MNIST U-Net), mlp (the toy-2d MLP) "
                    + "(default: ${DEFAULT-VALUE}). The first also runs the thread scaling.")
    List<String> models;

    @Option(names = "--samplers", paramLabel = "SPEC;…", description = "Sampler specs (default: every registered "
            + "sampler but rd and sit-sde, which are ddim and an SDE for other processes).")
    String samplers;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "18",
            description = "Sampler steps (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--min-seconds", paramLabel = "S", defaultValue = "1",
            description = "Least time of each timed measurement (default: ${DEFAULT-VALUE}).")
    double minSeconds;

    @Option(names = "--train-steps", paramLabel = "N", defaultValue = "10",
            description = "Timed training steps, after the warm-up ones (default: ${DEFAULT-VALUE}).")
    int trainSteps;

    @Option(names = "--warmup-steps", paramLabel = "N", defaultValue = "3",
            description = "Training steps before timing (default: ${DEFAULT-VALUE}).")
    int warmupSteps;

    @Option(names = "--scaling-threads", paramLabel = "N,…", split = ",", defaultValue = "1,2",
            description = "Intra-op thread counts of the scaling rows (default: ${DEFAULT-VALUE}).")
    List<Integer> scalingThreads;

    @Option(names = "--memory-model", paramLabel = "NAME:BATCH", defaultValue = "mlp:4096",
            description = "Network of the memory runs (default: ${DEFAULT-VALUE}).")
    String memoryModel;

    @Option(names = "--memory-sampler-steps", paramLabel = "N", defaultValue = "10000",
            description = "Steps of the long sampling run, 0 for none (default: ${DEFAULT-VALUE}).")
    int memorySamplerSteps;

    @Option(names = "--memory-train-steps", paramLabel = "N", defaultValue = "2000",
            description = "Steps of the long training run, 0 for none (default: ${DEFAULT-VALUE}).")
    int memoryTrainSteps;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "Seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--json", paramLabel = "FILE", description = "Write all results as JSON.")
    Path json;

    @Option(names = "--quiet", description = "No progress bar.")
    boolean quiet;

    @Override
    public Integer call() throws IOException {
        if (json != null) {
            OutputPaths.requireWritableFile(json, "--json");
        }
        List<String> names = new ArrayList<>();
        List<Integer> batches = new ArrayList<>();
        for (String model : models) {
            names.add(modelName(model));
            batches.add(batch(model));
        }
        List<String> specs = samplers == null ? defaultSamplers() : SamplerSpecs.split(samplers);
        SpeedBenchmark.Config config = new SpeedBenchmark.Config(names, batches, specs, steps, minSeconds,
                trainSteps, warmupSteps, scalingThreads, modelName(memoryModel), batch(memoryModel),
                memorySamplerSteps, memoryTrainSteps, seed);
        long total = (long) names.size() * (specs.size() + 1) + 1 + (memorySamplerSteps > 0 ? 1 : 0)
                + (memoryTrainSteps > 0 ? 1 : 0);
        long started = System.nanoTime();
        SpeedBenchmark.Report report;
        try (NDManager manager = Backend.newManager();
                Progress progress = new Progress("bench speed", total, quiet, System.err)) {
            report = SpeedBenchmark.run(config, manager, progress::step);
        }
        print(report, config, System.out);
        System.out.printf(Locale.ROOT, "%n%.0f s in all%n", (System.nanoTime() - started) / 1e9);
        if (json != null) {
            ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                    .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
            ObjectNode root = mapper.valueToTree(report);
            ObjectNode setup = root.putObject("setup");
            setup.set("config", mapper.valueToTree(config));
            setup.put("cores", Runtime.getRuntime().availableProcessors());
            setup.put("java", System.getProperty("java.version"));
            setup.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
            setup.put("engine", Backend.ENGINE + " " + Engine.getEngine(Backend.ENGINE).getVersion());
            AtomicFiles.writeString(json, mapper.writeValueAsString(root) + "\n");
            System.out.println("wrote " + json);
        }
        return 0;
    }

    /** Every registered sampler that runs on an EDM model as it is. */
    static List<String> defaultSamplers() {
        return SamplerRegistry.names().stream().filter(n -> !n.equals("degradation-ddim") && !n.equals("sit-sde"))
                .toList();
    }

    private static String modelName(String spec) {
        return spec.split(":", 2)[0];
    }

    private static int batch(String spec) {
        String[] parts = spec.split(":", 2);
        try {
            int batch = Integer.parseInt(parts.length == 2 ? parts[1] : "");
            if (batch < 1) {
                throw new NumberFormatException();
            }
            return batch;
        } catch (NumberFormatException e) {
            throw new InvalidArgumentException("a model is NAME:BATCH with a positive batch, e.g. unet:64; got "
                    + spec);
        }
    }

    private static void print(SpeedBenchmark.Report report, SpeedBenchmark.Config config, PrintStream out) {
        out.printf(Locale.ROOT, "%d cores, %d intra-op threads; %d sampler steps (Karras grid of each model)%n",
                Runtime.getRuntime().availableProcessors(), report.intraOpThreads(), config.steps());
        String model = "";
        for (SpeedBenchmark.SamplerRow r : report.samplers()) {
            if (!r.model().equals(model)) {
                model = r.model();
                out.printf(Locale.ROOT, "%nsampler overhead: %s, batch %d%n", r.model(), r.batch());
                String header = String.format("%-20s %-13s %4s %5s %9s %11s %11s %9s", "sampler", "kind", "NFE",
                        "runs", "call ms", "sample ms", "NFE·call ms", "overhead");
                out.println(header);
                out.println("-".repeat(header.length()));
            }
            out.printf(Locale.ROOT, "%-20s %-13s %4d %5d %9.3f %11.2f %11.2f %8.1f%%%n", r.sampler(),
                    r.stochastic() ? "stochastic" : "deterministic", r.nfe(), r.runs(), r.callSeconds() * 1e3,
                    r.sampleSeconds() * 1e3, r.nfe() * r.callSeconds() * 1e3, 100 * r.overhead());
        }
        if (!report.training().isEmpty()) {
            out.printf("%ntraining loop against a bare forward + backward + AdamW step (same network and batch)%n");
            String header = String.format("%-8s %6s %11s %14s %14s %9s", "model", "batch", "parameters",
                    "loop img/s", "bare img/s", "overhead");
            out.println(header);
            out.println("-".repeat(header.length()));
            for (SpeedBenchmark.TrainingRow r : report.training()) {
                out.printf(Locale.ROOT, "%-8s %6d %,11d %14.1f %14.1f %8.1f%%%n", r.model(), r.batch(),
                        r.parameters(), r.loopImagesPerSecond(), r.bareImagesPerSecond(), 100 * r.overhead());
            }
        }
        if (!report.threads().isEmpty()) {
            out.printf("%nthread scaling (%s)%n", config.models().get(0));
            String header = String.format("%-24s %8s %10s %8s", "task", "threads", "seconds", "speedup");
            out.println(header);
            out.println("-".repeat(header.length()));
            for (SpeedBenchmark.ThreadRow r : report.threads()) {
                out.printf(Locale.ROOT, "%-24s %8d %10.3f %7.2f×%n", r.task(), r.threads(), r.seconds(), r.speedup());
            }
        }
        if (!report.memory().isEmpty()) {
            out.printf("%nresident memory (heap + native, MiB, after a full GC) over long runs of %s%n",
                    config.memoryModel());
            String header = String.format("%-28s %7s %8s %12s %8s %8s %8s %13s", "task", "steps", "start",
                    "after 1/10", "end", "peak", "growth", "live heap");
            out.println(header);
            out.println("-".repeat(header.length()));
            for (SpeedBenchmark.MemoryRow r : report.memory()) {
                out.printf(Locale.ROOT, "%-28s %7d %8.1f %12.1f %8.1f %8.1f %7.2f%% %13.1f%n", r.task(), r.steps(),
                        r.startMib(), r.settledMib(), r.endMib(), r.peakMib(), 100 * r.growth(), r.heapMib());
            }
        }
    }
}
