package org.diffusion4j.reward;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.diffusion4j.DiffusionException;
import org.diffusion4j.backend.NativeArrays;
import org.diffusion4j.io.ArrayFiles;
import org.diffusion4j.io.UserFiles;

/**
 * A reward computed by a program of the user's: any scorer, in any language, without Java. For each batch it runs
 * {@code COMMAND IMAGES CLASSES SCORES} in a fresh temporary directory, where
 * <ul>
 *   <li>{@code IMAGES} is a {@code .npy} of float32 samples, n × C × H × W, values in [−1, 1];</li>
 *   <li>{@code CLASSES} is a {@code .npy} of n int32 class labels (−1 for an unconditional model);</li>
 *   <li>{@code SCORES} is where the program must write a JSON array of n finite numbers (or an object whose
 *       {@code "scores"} field is that array), higher is better.</li>
 * </ul>
 * The program must exit with status 0 within the timeout. Any failure — a non-zero status (its standard error is
 * quoted), a timeout, a missing or malformed file, a wrong count, a non-finite score — is a {@link RewardException}
 * and no score of the batch is used.
 */
final class ExternalReward implements Reward {
    private final String command;
    private final long timeoutSeconds;
    private final String spec;

    ExternalReward(String command, long timeoutSeconds, String spec) {
        this.command = command;
        this.timeoutSeconds = timeoutSeconds;
        this.spec = spec;
    }

    @Override
    public String spec() {
        return spec;
    }

    @Override
    public double[] score(NDArray samples, int[] classes) {
        int n = (int) samples.getShape().get(0);
        Path dir;
        try {
            dir = Files.createTempDirectory("d4j-reward-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            Path images = dir.resolve("images.npy");
            Path labels = dir.resolve("classes.npy");
            Path scores = dir.resolve("scores.json");
            try (NDManager m = samples.getManager().newSubManager();
                    NDArray values = NativeArrays.copy(samples, DataType.FLOAT32)) {
                ArrayFiles.write(images, values);
                int[] c = classes != null ? classes : new int[n];
                if (classes == null) {
                    Arrays.fill(c, -1);
                }
                ArrayFiles.write(labels, m.create(c));
            }
            run(List.of(command, images.toString(), labels.toString(), scores.toString()), dir);
            return read(scores, n);
        } finally {
            delete(dir);
        }
    }

    private void run(List<String> argv, Path dir) {
        Path err = dir.resolve("stderr.txt");
        Process process;
        try {
            process = new ProcessBuilder(argv).directory(dir.toFile()).redirectOutput(dir.resolve("stdout.txt")
                    .toFile()).redirectError(err.toFile()).start();
        } catch (IOException e) {
            throw new RewardException("the reward " + spec + " cannot start its command " + command + ": "
                    + e.getMessage(), e);
        }
        try {
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
                throw new RewardException("the reward " + spec + ": its command " + command + " did not finish "
                        + "within " + timeoutSeconds + " s (option timeout)");
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new RewardException("the reward " + spec + " was interrupted", e);
        }
        if (process.exitValue() != 0) {
            throw new RewardException("the reward " + spec + ": its command " + command + " exited with status "
                    + process.exitValue() + tail(err));
        }
    }

    private double[] read(Path scores, int n) {
        if (!Files.isRegularFile(scores)) {
            throw new RewardException("the reward " + spec + ": its command " + command + " exited normally but "
                    + "wrote no scores (expected a JSON array of " + n + " numbers in the file named by its third "
                    + "argument)");
        }
        JsonNode json;
        try {
            json = UserFiles.readJson(scores);
        } catch (DiffusionException e) {
            throw new RewardException("the reward " + spec + ": its scores are not JSON (" + e.getMessage() + ")",
                    e);
        }
        JsonNode array = json.isObject() ? json.path("scores") : json;
        if (!array.isArray()) {
            throw new RewardException("the reward " + spec + ": its scores must be a JSON array of " + n
                    + " numbers (or an object with a \"scores\" array), got " + abbreviate(json.toString()));
        }
        if (array.size() != n) {
            throw new RewardException("the reward " + spec + " returned " + array.size() + " scores for " + n
                    + " samples");
        }
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            JsonNode v = array.get(i);
            if (!v.isNumber() || !Double.isFinite(v.asDouble())) {
                throw new RewardException("the reward " + spec + ": score " + i + " is " + abbreviate(v.toString())
                        + ", not a finite number");
            }
            out[i] = v.asDouble();
        }
        return out;
    }

    /** The end of the command's standard error, for the message. */
    private static String tail(Path err) {
        try {
            String text = Files.readString(err, StandardCharsets.UTF_8).strip();
            return text.isEmpty() ? " (nothing on standard error)" : "; its standard error ends: "
                    + (text.length() > 1500 ? "…" + text.substring(text.length() - 1500) : text);
        } catch (IOException e) {
            return "";
        }
    }

    private static String abbreviate(String text) {
        return text.length() > 80 ? text.substring(0, 80) + "…" : text;
    }

    private static void delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory that cannot be listed is left for the system to clean
        }
    }
}
