package org.diffusion4j.cli;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.backend.EngineThreads;
import org.diffusion4j.bench.ResidentMemory;
import org.diffusion4j.io.AtomicFiles;
import org.diffusion4j.serve.DiffusionServer;
import org.diffusion4j.serve.Limits;
import org.diffusion4j.serve.LoadBenchmark;
import org.diffusion4j.serve.ServeConfig;
import org.diffusion4j.serve.ServedModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code d4j bench serve}: the HTTP service under concurrent loopback clients, batching off and on; a load run. */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Start the HTTP service on loopback and measure it with concurrent clients (JDK HttpClient): "
                + "requests/s, p50/p99 latency and mean batch size, with dynamic batching off and on.",
            "--load N then sends N more requests with malformed, oversized and refused ones mixed in (1 in 10 "
                    + "each), and reports heap (after a full GC) and resident memory as it goes."})
final class BenchServeCommand implements Callable<Integer> {

    @Option(names = "--model", paramLabel = "MODEL", defaultValue = "bundled:mnist-edm",
            description = "The model (as d4j serve --model; default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--clients", paramLabel = "C", defaultValue = "8",
            description = "Concurrent clients (default: ${DEFAULT-VALUE}).")
    int clients;

    @Option(names = "--requests", paramLabel = "N", defaultValue = "200",
            description = "Requests of each timed run, 0 to skip them (default: ${DEFAULT-VALUE}).")
    int requests;

    @Option(names = "--n", paramLabel = "N", defaultValue = "1",
            description = "Samples per request (default: ${DEFAULT-VALUE}).")
    int n;

    @Option(names = "--sampler", paramLabel = "SPEC", defaultValue = "euler",
            description = "Sampler (default: ${DEFAULT-VALUE}).")
    String sampler;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "10",
            description = "Steps per request (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--linger-ms", paramLabel = "MS", defaultValue = "5",
            description = "Batching linger of the batching run (default: ${DEFAULT-VALUE}).")
    int lingerMillis;

    @Option(names = "--load", paramLabel = "N", defaultValue = "0",
            description = "Requests of the load run with bad requests mixed in, 0 for none (default: "
                    + "${DEFAULT-VALUE}).")
    int load;

    @Option(names = "--json", paramLabel = "FILE", description = "Write the results as JSON.")
    Path json;

    private final ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Override
    public Integer call() {
        if (clients < 1 || n < 1 || steps < 1 || requests < 0 || load < 0) {
            throw new InvalidArgumentException("--clients, --n and --steps must be at least 1 and --requests, --load "
                    + "at least 0; got " + clients + ", " + n + ", " + steps + ", " + requests + ", " + load);
        }
        ObjectNode report = mapper.createObjectNode();
        report.put("model", model);
        report.put("clients", clients);
        report.put("n", n);
        report.put("sampler", sampler);
        report.put("steps", steps);
        report.put("engine_threads", EngineThreads.policy().describe());
        String body = String.format(Locale.ROOT, "{\"model\": \"%s\", \"sampler\": \"%s\", \"steps\": %d, \"n\": %d, "
                + "\"seed\": %%d, \"format\": \"npy\"}", model, sampler, steps, n);
        try (NDManager manager = Backend.newManager()) {
            List<ServedModel> served = ServeCommand.load(List.of(model), manager);
            if (requests > 0) {
                System.out.printf("%-9s %9s %10s %10s %12s %12s  %s%n", "batching", "req/s", "p50 ms", "p99 ms",
                        "batch/resp", "batch/engine", "statuses");
                ArrayNode runs = report.putArray("runs");
                for (boolean batching : new boolean[] {false, true}) {
                    runs.add(timed(served, batching, body));
                }
            }
            if (load > 0) {
                report.set("load", load(served, body));
            }
        }
        if (json != null) {
            try {
                AtomicFiles.writeString(json, mapper.writeValueAsString(report) + "\n");
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
            System.out.println("wrote " + json);
        }
        return 0;
    }

    private ServeConfig config(boolean batching) {
        Limits limits = new Limits(Math.max(n, 8), Math.max(steps, 50), Math.max(64, n), 64, Duration.ofMinutes(5),
                16 * 1024, 64, Duration.ofSeconds(10));
        return ServeConfig.loopback(0).withLimits(limits).withBatching(batching,
                Duration.ofMillis(batching ? lingerMillis : 0));
    }

    private ObjectNode timed(List<ServedModel> served, boolean batching, String body) {
        try (DiffusionServer server = DiffusionServer.start(served, config(batching))) {
            LoadBenchmark.run(server.port(), null, clients, Math.max(clients, 8), i -> new LoadBenchmark.Shot(
                    String.format(Locale.ROOT, body, 1_000_000 + i)));
            long batchesBefore = server.metrics().batches();
            double samplesBefore = server.metrics().batchSamplesTotal();
            LoadBenchmark.Result r = LoadBenchmark.run(server.port(), null, clients, requests,
                    i -> new LoadBenchmark.Shot(String.format(Locale.ROOT, body, (long) i * n)));
            double perEngineBatch = (server.metrics().batchSamplesTotal() - samplesBefore)
                    / Math.max(1, server.metrics().batches() - batchesBefore);
            System.out.printf(Locale.ROOT, "%-9s %9.2f %10.1f %10.1f %12.2f %12.2f  %s%n", batching ? "on" : "off",
                    r.requestsPerSecond(), r.p50Millis(), r.p99Millis(), r.meanBatchSamples(), perEngineBatch,
                    r.statuses());
            ObjectNode row = mapper.createObjectNode();
            row.put("batching", batching);
            row.put("requests", r.requests());
            row.put("seconds", r.seconds());
            row.put("requests_per_second", r.requestsPerSecond());
            row.put("p50_ms", r.p50Millis());
            row.put("p99_ms", r.p99Millis());
            row.put("mean_batch_samples_per_response", r.meanBatchSamples());
            row.put("mean_samples_per_engine_batch", perEngineBatch);
            row.set("statuses", mapper.valueToTree(r.statuses()));
            return row;
        }
    }

    /** 1 in 10 malformed JSON, 1 in 10 a 64 KiB body (limit 16 KiB), 1 in 10 n above the limit; the rest valid. */
    private ObjectNode load(List<ServedModel> served, String body) {
        String oversized = "{\"pad\": \"" + "x".repeat(64 * 1024) + "\"}";
        String tooMany = String.format(Locale.ROOT, "{\"model\": \"%s\", \"n\": 100000}", model);
        ObjectNode result = mapper.createObjectNode();
        result.put("requests", load);
        ArrayNode memory = result.putArray("memory");
        System.out.printf("%nload: %d requests from %d clients, 1 in 10 each malformed, oversized, n too large%n",
                load, clients);
        System.out.printf("%10s %9s %12s %12s %8s  %s%n", "requests", "req/s", "heap MiB", "RSS MiB", "threads",
                "statuses");
        try (DiffusionServer server = DiffusionServer.start(served, config(true))) {
            var client = LoadBenchmark.client();
            int chunk = Math.max(1, load / 10);
            int sent = 0;
            memory.add(sample(0, null));
            while (sent < load) {
                int count = Math.min(chunk, load - sent);
                int offset = sent;
                LoadBenchmark.Result r = LoadBenchmark.run(client, server.port(), null, clients, count, i -> {
                    int k = offset + i;
                    return new LoadBenchmark.Shot(switch (k % 10) {
                        case 3 -> "{\"model\": \"" + model + "\", \"steps\": ";
                        case 6 -> oversized;
                        case 9 -> tooMany;
                        default -> String.format(Locale.ROOT, body, (long) k * n);
                    });
                });
                sent += count;
                memory.add(sample(sent, r));
            }
            result.put("healthy_after", alive(server.port()));
        }
        return result;
    }

    private ObjectNode sample(int sent, LoadBenchmark.Result r) {
        System.gc();
        double heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / 1048576.0;
        double rss = ResidentMemory.mebibytes();
        int threads = Thread.activeCount();
        System.out.printf(Locale.ROOT, "%10d %9s %12.1f %12.1f %8d  %s%n", sent, r == null ? "" : String.format(
                Locale.ROOT, "%.1f", r.requestsPerSecond()), heap, rss, threads, r == null ? "" : r.statuses());
        ObjectNode row = mapper.createObjectNode();
        row.put("requests", sent);
        row.put("heap_mib", heap);
        row.put("rss_mib", rss);
        row.put("threads", threads);
        if (r != null) {
            row.put("requests_per_second", r.requestsPerSecond());
            row.set("statuses", mapper.valueToTree(r.statuses()));
        }
        return row;
    }

    private static boolean alive(int port) {
        try {
            var client = java.net.http.HttpClient.newHttpClient();
            var response = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:"
                    + port + "/v1/health")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            System.out.println("after the load: GET /v1/health → " + response.statusCode() + " " + response.body());
            return response.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
