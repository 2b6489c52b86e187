package org.diffusion4j.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.diffusion4j.DiffusionException;

/**
 * The PyTorch side of {@link TorchComparison}: one Python process running the project's {@code torch_bench.py} on a
 * PyTorch export, asked one request at a time over its standard input and answering one JSON line each (the
 * protocol is in the script's docstring). Nothing runs in it between requests, so its timings and the Java ones
 * never overlap.
 */
final class TorchProcess implements AutoCloseable {
    /** The script, a resource of this module. */
    static final String SCRIPT = "torch_bench.py";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final BufferedReader answers;
    private final BufferedWriter requests;
    private final Path errors;
    private final String version;

    /** What starting the script found: PyTorch's version, or why there is none. */
    sealed interface Start permits Started, Unavailable {}

    /** PyTorch is there; {@code process} answers requests. */
    record Started(TorchProcess process) implements Start {}

    /** No usable PyTorch for {@code python}: the reason, in a few words. */
    record Unavailable(String reason) implements Start {}

    private TorchProcess(Process process, BufferedReader answers, BufferedWriter requests, Path errors,
            String version) {
        this.process = process;
        this.answers = answers;
        this.requests = requests;
        this.errors = errors;
        this.version = version;
    }

    /**
     * Starts {@code python} on the script with the export in {@code export} and {@code threads} intra-op threads
     * (also in its OpenMP and MKL environment, before PyTorch loads); the script is written into {@code work}.
     */
    static Start start(Path python, Path export, int threads, Path work) throws IOException {
        Path script = work.resolve(SCRIPT);
        try (InputStream in = TorchProcess.class.getResourceAsStream(SCRIPT)) {
            if (in == null) {
                throw new IllegalStateException("the resource " + SCRIPT + " is missing from diffusion4j-bench");
            }
            Files.write(script, in.readAllBytes());
        }
        Path errors = work.resolve("python-stderr.txt");
        ProcessBuilder builder = new ProcessBuilder(python.toString(), "-u", script.toString(), export.toString(),
                Integer.toString(threads)).redirectError(errors.toFile());
        Map<String, String> env = builder.environment();
        env.put("OMP_NUM_THREADS", Integer.toString(threads));
        env.put("MKL_NUM_THREADS", Integer.toString(threads));
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            return new Unavailable("cannot run it: " + e.getMessage());
        }
        TorchProcess torch = new TorchProcess(process,
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)),
                new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8)),
                errors, null);
        JsonNode first;
        try {
            first = torch.read();
        } catch (DiffusionException e) {
            torch.close();
            return new Unavailable(e.getMessage());
        }
        if (!first.path("ready").asBoolean(false)) {
            torch.close();
            return new Unavailable(first.path("error").asText("it answered " + first));
        }
        return new Started(new TorchProcess(process, torch.answers, torch.requests, errors,
                first.path("torch").asText()));
    }

    /** PyTorch's version, as {@code torch.__version__} gives it. */
    String version() {
        return version;
    }

    /** Sends one request and returns its answer; an {@code error} answer is a {@link DiffusionException}. */
    JsonNode ask(ObjectNode request) {
        try {
            requests.write(JSON.writeValueAsString(request));
            requests.newLine();
            requests.flush();
        } catch (IOException e) {
            throw new DiffusionException("the PyTorch process stopped taking requests: " + e.getMessage()
                    + stderrTail(), e);
        }
        JsonNode answer = read();
        if (answer.has("error")) {
            throw new DiffusionException("PyTorch failed on " + request + ": " + answer.get("error").asText());
        }
        return answer;
    }

    /** A new request object. */
    static ObjectNode request(String op) {
        return JSON.createObjectNode().put("op", op);
    }

    private JsonNode read() {
        String line;
        try {
            line = answers.readLine();
        } catch (IOException e) {
            throw new DiffusionException("cannot read the PyTorch process's answer: " + e.getMessage(), e);
        }
        if (line == null) {
            throw new DiffusionException("the Python process ended without an answer" + stderrTail());
        }
        try {
            return JSON.readTree(line);
        } catch (IOException e) {
            throw new DiffusionException("the Python process answered something other than JSON: " + line, e);
        }
    }

    /** The last lines the script wrote to its standard error, for a message. */
    private String stderrTail() {
        try {
            String text = Files.exists(errors) ? Files.readString(errors).strip() : "";
            if (text.isEmpty()) {
                return "";
            }
            String[] lines = text.split("\n");
            int from = Math.max(0, lines.length - 3);
            return " (" + String.join(" / ", java.util.Arrays.copyOfRange(lines, from, lines.length)).strip() + ")";
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            try {
                requests.write("{\"op\": \"quit\"}");
                requests.newLine();
                requests.flush();
            } catch (IOException ignored) {
                // already gone
            }
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
