package org.diffusion4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.diffusion4j.io.AtomicFiles;
import org.diffusion4j.io.FileFormatException;
import org.diffusion4j.io.Safetensors;

/**
 * A run's files: {@code config.json}, {@code model.safetensors} (EMA weights, for sampling),
 * {@code train-state.safetensors} (weights, EMA weights, optimizer moments, step) with its readable summary
 * {@code train-state.json}, {@code metrics.jsonl}, and {@code samples/}. Every file is written to a temporary name
 * and renamed, and the train state is self-contained (it carries its own step), so a run killed at any moment
 * resumes from its last complete checkpoint.
 */
public final class RunDirectory {
    private final Path dir;

    public RunDirectory(Path dir) {
        this.dir = dir;
    }

    public Path path() {
        return dir;
    }

    public Path config() {
        return dir.resolve("config.json");
    }

    public Path model() {
        return dir.resolve("model.safetensors");
    }

    public Path trainState() {
        return dir.resolve("train-state.safetensors");
    }

    public Path trainStateSummary() {
        return dir.resolve("train-state.json");
    }

    public Path metrics() {
        return dir.resolve("metrics.jsonl");
    }

    public Path samples() {
        return dir.resolve("samples");
    }

    /**
     * Takes the directory's exclusive lock (creating the directory), which whatever writes into it holds until it
     * closes the lock; fails at once, naming the holder, when another process holds it ({@link RunLock}).
     */
    public RunLock lock() {
        return RunLock.acquire(dir);
    }

    /**
     * Removes the temporary files of this directory's own files (and preview images) that a killed run left behind;
     * only under the directory's {@link #lock()}.
     *
     * @return the files removed
     */
    public List<Path> removeTemporaries() {
        Set<String> own = Set.of(config().getFileName().toString(), model().getFileName().toString(),
                trainState().getFileName().toString(), trainStateSummary().getFileName().toString(),
                metrics().getFileName().toString());
        List<Path> removed = new ArrayList<>(AtomicFiles.removeTemporaries(dir, own::contains));
        removed.addAll(AtomicFiles.removeTemporaries(samples(), name -> name.matches("step-\\d+\\.png")));
        return removed;
    }

    /**
     * What a writer does first under the directory's {@code lock}: takes over a stale lock and removes the temporary
     * files a killed run left ({@link #removeTemporaries}), telling {@code warnings} of each.
     */
    public void recover(RunLock lock, Consumer<String> warnings) {
        if (!lock.file().equals(dir.resolve(RunLock.FILE))) {
            throw new IllegalArgumentException("the lock " + lock.file() + " is not the lock of " + dir);
        }
        lock.staleHolder().ifPresent(h -> warnings.accept("the last run in " + dir + " (" + h + ") was killed or "
                + "crashed; its lock is stale and taken over"));
        List<Path> removed = removeTemporaries();
        if (!removed.isEmpty()) {
            warnings.accept("removed " + removed.size() + " temporary file" + (removed.size() == 1 ? "" : "s")
                    + " left by an interrupted run in " + dir);
        }
    }

    /** Whether a checkpoint exists. */
    public boolean hasCheckpoint() {
        return Files.isRegularFile(trainState());
    }

    /** A saved training state. */
    public record Checkpoint(long step, long optimizerSteps, Map<String, NDArray> weights, Map<String, NDArray> ema,
            Map<String, NDArray> optimizer) {}

    /** Writes a checkpoint: the train state, the EMA model and the summary, in that order. */
    public void writeCheckpoint(Checkpoint checkpoint, NDManager manager, double lastLoss, long images) {
        Map<String, NDArray> state = new LinkedHashMap<>();
        checkpoint.weights().forEach((name, w) -> state.put("weights/" + name, w));
        checkpoint.ema().forEach((name, w) -> state.put("ema/" + name, w));
        state.putAll(checkpoint.optimizer());
        try (NDManager scratch = manager.newSubManager()) {
            state.put("step", scratch.create(new long[] {checkpoint.step()}));
            state.put("optimizer_steps", scratch.create(new long[] {checkpoint.optimizerSteps()}));
            Safetensors.write(trainState(), state);
        }
        Safetensors.write(model(), checkpoint.ema());
        ObjectNode summary = TrainingConfig.JSON.createObjectNode();
        summary.put("step", checkpoint.step());
        summary.put("images", images);
        summary.put("optimizer_steps", checkpoint.optimizerSteps());
        summary.put("last_loss", lastLoss);
        summary.put("written", java.time.Instant.now().toString());
        AtomicFiles.writeString(trainStateSummary(), summary.toPrettyString() + "\n");
    }

    /** Reads the checkpoint into {@code manager}. */
    public Checkpoint readCheckpoint(NDManager manager) {
        Map<String, NDArray> state = Safetensors.read(trainState(), manager);
        Map<String, NDArray> weights = new LinkedHashMap<>();
        Map<String, NDArray> ema = new LinkedHashMap<>();
        Map<String, NDArray> optimizer = new LinkedHashMap<>();
        state.forEach((name, array) -> {
            if (name.startsWith("weights/")) {
                weights.put(name.substring(8), array);
            } else if (name.startsWith("ema/")) {
                ema.put(name.substring(4), array);
            } else if (name.startsWith("adam.")) {
                optimizer.put(name, array);
            }
        });
        return new Checkpoint(scalar(state, "step"), scalar(state, "optimizer_steps"), weights, ema, optimizer);
    }

    private long scalar(Map<String, NDArray> state, String name) {
        NDArray array = state.get(name);
        if (array == null || array.getShape().size() != 1) {
            throw new FileFormatException(trainState(), "missing or malformed '" + name + "'");
        }
        return array.toType(DataType.INT64, false).toLongArray()[0];
    }

    /** The EMA weights of {@code model.safetensors}. */
    public Map<String, NDArray> readModel(NDManager manager) {
        return Safetensors.read(model(), manager);
    }

    /** Appends one line to metrics.jsonl. */
    public void appendMetrics(JsonNode line) {
        try {
            Files.createDirectories(dir);
            Files.writeString(metrics(), line.toString() + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + metrics() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Drops metrics lines after {@code step} (a resumed run repeats them), atomically. Lines that cannot be read (not
     * UTF-8, not a JSON object with a step, cut by a kill) are dropped too, and {@code warnings} hears which.
     */
    public void truncateMetrics(long step, Consumer<String> warnings) {
        if (!Files.isRegularFile(metrics())) {
            return;
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(metrics());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + metrics() + ": " + e.getMessage(), e);
        }
        List<String> kept = new ArrayList<>();
        List<String> dropped = new ArrayList<>();
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder();
        int number = 0;
        for (int from = 0; from < bytes.length; ) {
            int end = from;
            while (end < bytes.length && bytes[end] != '\n') {
                end++;
            }
            boolean complete = end < bytes.length;
            number++;
            String problem = null;
            try {
                String text = utf8.decode(ByteBuffer.wrap(bytes, from, end - from)).toString();
                if (!text.isBlank()) {
                    JsonNode line = parse(text);
                    if (line == null) {
                        problem = complete ? "not JSON" : "cut short";
                    } else if (!line.path("step").isIntegralNumber()) {
                        problem = "no step";
                    } else if (line.path("step").asLong() <= step) {
                        kept.add(text);
                    }
                }
            } catch (CharacterCodingException e) {
                problem = "not UTF-8";
            }
            if (problem != null) {
                dropped.add("line " + number + ": " + problem);
            }
            from = end + 1;
        }
        if (!dropped.isEmpty()) {
            warnings.accept(metrics() + ": dropped " + dropped.size() + " unreadable line"
                    + (dropped.size() == 1 ? "" : "s") + " (" + String.join("; ", dropped) + ")");
        }
        AtomicFiles.writeString(metrics(), kept.isEmpty() ? "" : String.join("\n", kept) + "\n");
    }

    private static JsonNode parse(String line) {
        try {
            JsonNode node = TrainingConfig.JSON.readTree(line);
            return node != null && node.isObject() ? node : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** The metrics lines, parsed. */
    public List<JsonNode> readMetrics() {
        List<JsonNode> out = new ArrayList<>();
        if (!Files.isRegularFile(metrics())) {
            return out;
        }
        try {
            for (String line : Files.readAllLines(metrics(), StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    out.add(TrainingConfig.JSON.readTree(line));
                }
            }
        } catch (IOException e) {
            throw new FileFormatException(metrics(), "unreadable metrics (" + e.getMessage() + ")", e);
        }
        return out;
    }
}
