package org.diffusion4j.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.io.Safetensors;
import org.diffusion4j.train.Presets;
import org.diffusion4j.train.RunDirectory;
import org.diffusion4j.train.RunLock;
import org.diffusion4j.train.TrainedModel;
import org.diffusion4j.train.TrainingConfig;

/**
 * The kill soak: a tiny model (the toy-2d MLP, shortened, checkpointing every few steps) is trained in a child process
 * ({@code d4j train}) that is killed with SIGKILL at random moments, again and again, each time resumed with
 * {@code d4j train --resume}; then the run is resumed to its end. After every kill the run directory must be
 * readable (config, model and train state load, every complete metrics line parses, the lock is free); at the end
 * its weights, EMA weights, optimizer state and metrics must equal those of an uninterrupted run bit for bit.
 */
public final class KillSoak {
    private KillSoak() {}

    /**
     * @param kills how many times the training is killed
     * @param steps training steps of the run
     * @param checkpointEvery steps between checkpoints (and metrics lines)
     * @param minDelayMs least time from a start to its kill
     * @param maxDelayMs most time from a start to its kill
     * @param seed of the kill moments
     */
    public record Settings(int kills, long steps, int checkpointEvery, long minDelayMs, long maxDelayMs, long seed) {}

    /**
     * One start of the child and how it ended.
     *
     * @param delayMs when it was killed (ms after the start)
     * @param killed true if killed, false if it ended by itself first
     * @param exitCode the exit code when it ended by itself
     * @param stepBefore the checkpoint's step when it started (-1: none)
     * @param stepAfter the checkpoint's step after it ended (-1: none)
     * @param temporaries the temporary files its kill left
     * @param problems what was not readable after it (empty: all)
     */
    public record Attempt(long delayMs, boolean killed, int exitCode, long stepBefore, long stepAfter,
            int temporaries, List<String> problems) {}

    /**
     * @param settings what ran
     * @param attempts every start, killed or not
     * @param kills how many starts were killed
     * @param differences where the final run differs from the uninterrupted one (empty: bit-identical)
     * @param arraysCompared arrays compared (train state and model)
     * @param seconds wall time of the soak
     */
    public record Report(Settings settings, List<Attempt> attempts, int kills, List<String> differences,
            int arraysCompared, double seconds) {
        /** Bit-identical to the uninterrupted run, and readable after every kill. */
        public boolean passed() {
            return differences.isEmpty() && attempts.stream().allMatch(a -> a.problems().isEmpty());
        }
    }

    /** The run the soak trains: toy-2d shortened to {@code steps}, checkpoints and metrics lines every few steps. */
    public static TrainingConfig config(Settings s) {
        TrainingConfig base = Presets.named("toy-2d");
        TrainingConfig.Optimization o = base.optimization();
        return new TrainingConfig("kill-soak", base.data(), base.network(), base.preconditioning(), base.time(),
                new TrainingConfig.Optimization(256, s.steps(), 1e-3, 20, o.beta1(), o.beta2(), o.epsilon(),
                        o.weightDecay(), o.gradientClip(), o.emaHalfLifeImages(), o.emaRampUp(), 0, 3,
                        s.checkpointEvery(), 0, s.checkpointEvery()),
                base.sampling());
    }

    /**
     * Runs the soak in {@code work}; {@code d4j} is the command that starts the command-line tool in a new process
     * (java, its class path, the main class), to which {@code train …} is appended.
     */
    public static Report run(Settings s, List<String> d4j, Path work, Consumer<String> log) {
        long started = System.nanoTime();
        try {
            Files.createDirectories(work);
            Path config = work.resolve("kill-soak.json");
            config(s).write(config);
            Path reference = work.resolve("uninterrupted");
            Path soaked = work.resolve("killed");
            for (Path dir : List.of(reference, soaked)) {
                delete(dir);
            }
            log.accept("uninterrupted run of " + s.steps() + " steps ...");
            int code = start(d4j, config, reference, false, work.resolve("uninterrupted.log")).waitFor();
            if (code != 0) {
                throw new IllegalStateException("the uninterrupted run failed (exit " + code + "); see "
                        + work.resolve("uninterrupted.log"));
            }
            SplittableRandom random = new SplittableRandom(s.seed());
            List<Attempt> attempts = new ArrayList<>();
            RunDirectory run = new RunDirectory(soaked);
            int kills = 0;
            while (kills < s.kills()) {
                long before = step(run);
                if (before >= s.steps()) {
                    log.accept("the run finished after " + kills + " kills; give more --steps for more kills");
                    break;
                }
                long delay = s.minDelayMs() + (long) (random.nextDouble() * (s.maxDelayMs() - s.minDelayMs()));
                Path childLog = work.resolve("attempt-" + (attempts.size() + 1) + ".log");
                Process child = start(d4j, config, soaked, run.hasCheckpoint(), childLog);
                boolean ended = child.waitFor(delay, TimeUnit.MILLISECONDS);
                if (!ended) {
                    child.destroyForcibly();
                    child.waitFor();
                    kills++;
                }
                int temporaries = temporaries(soaked);
                List<String> problems = readable(run, s.steps());
                if (ended && child.exitValue() != 0) {
                    problems.add("exit " + child.exitValue() + ", see " + childLog);
                }
                Attempt a = new Attempt(delay, !ended, ended ? child.exitValue() : -1, before, step(run),
                        temporaries, problems);
                attempts.add(a);
                log.accept(String.format("attempt %d: %s after %d ms, checkpoint %d → %d, %d temporary files%s",
                        attempts.size(), ended ? "ended (exit " + a.exitCode() + ")" : "SIGKILL", delay, before,
                        a.stepAfter(), temporaries, problems.isEmpty() ? "" : ", PROBLEMS: " + problems));
            }
            log.accept("resuming to the end ...");
            Path last = work.resolve("final.log");
            code = start(d4j, config, soaked, run.hasCheckpoint(), last).waitFor();
            List<String> differences = new ArrayList<>();
            if (code != 0) {
                differences.add("the final resume failed (exit " + code + "), see " + last);
            }
            int compared = compare(reference, soaked, differences);
            return new Report(s, attempts, kills, differences, compared, (System.nanoTime() - started) / 1e9);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static Process start(List<String> d4j, Path config, Path out, boolean resume, Path log)
            throws IOException {
        List<String> command = new ArrayList<>(d4j);
        command.addAll(List.of("train", "--config", config.toString(), "--out", out.toString(), "--quiet",
                "--threads", "1"));
        if (resume) {
            command.add("--resume");
        }
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** The step of the run's checkpoint, from its summary; -1 without one. */
    private static long step(RunDirectory run) {
        if (!Files.isRegularFile(run.trainStateSummary())) {
            return -1;
        }
        try {
            return TrainingConfig.JSON.readTree(run.trainStateSummary().toFile()).path("step").asLong(-1);
        } catch (IOException e) {
            return -2;
        }
    }

    /** What a reader of the run directory cannot read after a kill (empty: everything). */
    private static List<String> readable(RunDirectory run, long steps) {
        List<String> problems = new ArrayList<>();
        if (!Files.exists(run.path())) {
            return problems;
        }
        try (RunLock lock = run.lock()) {
            // a killed holder's lock is free
        } catch (RuntimeException e) {
            problems.add("lock: " + e.getMessage());
        }
        if (Files.exists(run.config())) {
            try {
                TrainingConfig.read(run.config());
            } catch (RuntimeException e) {
                problems.add("config: " + e.getMessage());
            }
        }
        if (run.hasCheckpoint()) {
            try (NDManager manager = Backend.newManager()) {
                run.readCheckpoint(manager);
                TrainedModel.load(run.path(), manager);
                TrainingConfig.JSON.readTree(run.trainStateSummary().toFile());
            } catch (RuntimeException | IOException e) {
                problems.add("checkpoint: " + e.getMessage());
            }
        }
        if (Files.exists(run.metrics())) {
            try {
                byte[] bytes = Files.readAllBytes(run.metrics());
                String text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
                String[] lines = text.split("\n", -1);
                for (int i = 0; i < lines.length - 1; i++) {
                    TrainingConfig.JSON.readTree(lines[i]);
                }
            } catch (CharacterCodingException e) {
                problems.add("metrics: not UTF-8");
            } catch (IOException e) {
                problems.add("metrics: " + e.getMessage());
            }
        }
        return problems;
    }

    private static int temporaries(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return (int) files.filter(f -> f.getFileName().toString().endsWith(".tmp")).count();
        }
    }

    /** Compares every array of the train state and the model, and the metrics but for their timings. */
    private static int compare(Path reference, Path soaked, List<String> differences) throws IOException {
        int compared = 0;
        try (NDManager manager = Backend.newManager()) {
            for (String file : List.of("train-state.safetensors", "model.safetensors")) {
                if (!Files.exists(soaked.resolve(file))) {
                    differences.add(file + " is missing");
                    continue;
                }
                Map<String, NDArray> a = Safetensors.read(reference.resolve(file), manager);
                Map<String, NDArray> b = Safetensors.read(soaked.resolve(file), manager);
                if (!a.keySet().equals(b.keySet())) {
                    differences.add(file + ": arrays " + a.keySet() + " vs " + b.keySet());
                    continue;
                }
                for (String name : a.keySet()) {
                    compared++;
                    if (!a.get(name).getDataType().equals(b.get(name).getDataType())
                            || !a.get(name).getShape().equals(b.get(name).getShape())
                            || !a.get(name).contentEquals(b.get(name))) {
                        differences.add(file + ": " + name + " differs");
                    }
                }
            }
        }
        List<String> ours = metrics(soaked.resolve("metrics.jsonl"));
        List<String> theirs = metrics(reference.resolve("metrics.jsonl"));
        if (!ours.equals(theirs)) {
            differences.add("metrics.jsonl: " + ours.size() + " lines vs " + theirs.size() + " uninterrupted, or "
                    + "different steps/losses");
        }
        return compared;
    }

    /** Step, loss, learning rate and gradient norm of every metrics line (timings differ between runs). */
    private static List<String> metrics(Path file) throws IOException {
        List<String> out = new ArrayList<>();
        if (!Files.exists(file)) {
            return out;
        }
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                JsonNode n = TrainingConfig.JSON.readTree(line);
                out.add(n.path("step").asLong() + " " + n.path("loss").asDouble() + " "
                        + n.path("learning_rate").asDouble() + " " + n.path("gradient_norm").asDouble());
            }
        }
        return out;
    }

    private static void delete(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) files.sorted(java.util.Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }
}
