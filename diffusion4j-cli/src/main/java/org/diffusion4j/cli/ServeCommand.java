package org.diffusion4j.cli;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.backend.EngineThreads;
import org.diffusion4j.serve.DiffusionServer;
import org.diffusion4j.serve.Limits;
import org.diffusion4j.serve.ServeConfig;
import org.diffusion4j.serve.ServedModel;
import org.diffusion4j.train.ModelSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code d4j serve}: models over HTTP, with a JSON API, a web page and metrics. */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Serve models over HTTP: a JSON API (/v1/models, /v1/generate, /v1/jobs, /v1/health), "
                + "Prometheus metrics (/metrics) and a web page (/). See docs/serving.md.",
            "Concurrent requests with the same model and sampler settings run as one engine batch; every sample "
                    + "keeps its own seed, so a response never depends on what it was batched with."})
final class ServeCommand implements Callable<Integer> {

    @Option(names = "--model", paramLabel = "MODEL", defaultValue = "bundled:mnist-edm",
            description = "A model to serve, repeatable: bundled:NAME, gmm:NAME or gmm:FILE.json, "
                    + "torchscript:FILE.pt, or a run directory (default: ${DEFAULT-VALUE}).")
    List<String> models = new ArrayList<>();

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "8080",
            description = "Port, 0 for any free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--bind", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
            description = "Address to listen on (default: ${DEFAULT-VALUE}); anything but loopback needs "
                    + "--token-file.")
    String bind;

    @Option(names = "--token-file", paramLabel = "FILE",
            description = "A file holding the bearer token every API call but /v1/health must send "
                    + "(Authorization: Bearer TOKEN).")
    Path tokenFile;

    @Option(names = "--max-n", paramLabel = "N", defaultValue = "64",
            description = "Most samples per request (default: ${DEFAULT-VALUE}).")
    int maxN;

    @Option(names = "--max-steps", paramLabel = "N", defaultValue = "200",
            description = "Most steps (or NFE) per request (default: ${DEFAULT-VALUE}).")
    int maxSteps;

    @Option(names = "--max-batch", paramLabel = "N", defaultValue = "64",
            description = "Most samples in one engine batch, at least --max-n (default: ${DEFAULT-VALUE}).")
    int maxBatch;

    @Option(names = "--queue", paramLabel = "N", defaultValue = "64",
            description = "Requests that may wait for the engine; more are answered 429 (default: ${DEFAULT-VALUE}).")
    int queue;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "120",
            description = "A request not done after this long is cancelled and answered 503 (default: "
                    + "${DEFAULT-VALUE}).")
    int timeout;

    @Option(names = "--linger-ms", paramLabel = "MS", defaultValue = "5",
            description = "How long the engine waits after a request for others to batch with it (default: "
                    + "${DEFAULT-VALUE}).")
    int lingerMillis;

    @Option(names = "--no-batching", description = "Run every request as its own engine batch.")
    boolean noBatching;

    @Override
    public Integer call() throws InterruptedException {
        String token = tokenFile == null ? null : token(tokenFile);
        if (timeout < 1) {
            throw new InvalidArgumentException("--timeout must be at least 1 second, got " + timeout);
        }
        if (lingerMillis < 0) {
            throw new InvalidArgumentException("--linger-ms must be 0 or more, got " + lingerMillis);
        }
        Limits defaults = Limits.DEFAULT;
        Limits limits = new Limits(maxN, maxSteps, maxBatch, queue, Duration.ofSeconds(timeout),
                defaults.maxBodyBytes(), defaults.keptJobs(), defaults.pollGrace());
        ServeConfig config = new ServeConfig(bind, port, token, limits, !noBatching,
                Duration.ofMillis(lingerMillis));
        try (NDManager manager = Backend.newManager()) {
            List<ServedModel> served = load(models, manager);
            CountDownLatch stopped = new CountDownLatch(1);
            try (DiffusionServer server = DiffusionServer.start(served, config)) {
                Runtime.getRuntime().addShutdownHook(new Thread(stopped::countDown, "d4j-serve-stop"));
                System.out.printf("serving %s on http://%s:%d/ (engine: %s, one batch at a time; "
                        + "batching %s) — Ctrl-C stops%n", String.join(", ", served.stream().map(ServedModel::name)
                        .toList()), bind, server.port(), EngineThreads.policy().describe(), noBatching ? "off" : "on");
                System.out.flush();
                stopped.await();
            }
        }
        return 0;
    }

    /** Loads each {@code --model}: a prefixed model name, or else a run directory. */
    static List<ServedModel> load(List<String> names, NDManager manager) {
        List<ServedModel> served = new ArrayList<>();
        for (String name : names) {
            boolean prefixed = name.startsWith("gmm:") || name.startsWith("bundled:")
                    || name.startsWith(ModelSource.TORCHSCRIPT);
            Models.Loaded loaded = prefixed ? Models.load(name, null, null, manager)
                    : Models.load(null, Path.of(name), null, manager);
            served.add(new ServedModel(name, loaded.generator(), loaded.name()));
        }
        return served;
    }

    /** The token in {@code file}, trimmed. */
    static String token(Path file) {
        String token;
        try {
            token = Files.readString(file, StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw new InvalidArgumentException("--token-file " + file + ": cannot read it (" + e.getMessage() + ")");
        }
        if (token.isEmpty()) {
            throw new InvalidArgumentException("--token-file " + file + " is empty; put the bearer token in it");
        }
        if (token.chars().anyMatch(c -> c < 0x21 || c > 0x7e)) {
            throw new InvalidArgumentException("--token-file " + file + ": the token must be printable ASCII "
                    + "without spaces");
        }
        return token;
    }
}
