package org.diffusion4j.denoise;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.diffusion4j.DiffusionException;
import org.diffusion4j.io.AtomicFiles;
import org.diffusion4j.io.FileFormatException;
import org.diffusion4j.io.UserFiles;

/**
 * The JSON form of a {@link GaussianMixture}:
 * {@code {"weights": [w_1, …], "means": [[…], …], "variances": [[…], …]}}. Mixtures bundled with diffusion4j are
 * found by name ({@link #BUNDLED}).
 */
public final class MixtureSpec {
    /** Names of the mixtures shipped with the library. */
    public static final List<String> BUNDLED = List.of("eight-gaussians", "two-gaussians-1d");

    private static final ObjectMapper JSON = new ObjectMapper();

    private MixtureSpec() {}

    /** Reads the mixture in {@code file}; errors name the file and the field. */
    public static GaussianMixture read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new FileFormatException(file, "no such mixture spec file");
        }
        return parse(UserFiles.readText(file), file.toString());
    }

    /** The bundled mixture called {@code name} (one of {@link #BUNDLED}). */
    public static GaussianMixture bundled(String name) {
        if (!BUNDLED.contains(name)) {
            throw new org.diffusion4j.UnknownNameException("bundled mixture", name, BUNDLED);
        }
        try (InputStream in = MixtureSpec.class.getResourceAsStream("mixtures/" + name + ".json")) {
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "bundled mixture " + name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses a spec; {@code source} names it in error messages. */
    public static GaussianMixture parse(String json, String source) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new DiffusionException(source + ": not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (root == null || !root.isObject()) {
            throw new DiffusionException(source + ": expected a JSON object with weights, means and variances");
        }
        double[] weights = vector(root, "weights", source);
        double[][] means = matrix(root, "means", source);
        double[][] variances = matrix(root, "variances", source);
        try {
            return new GaussianMixture(weights, means, variances);
        } catch (DiffusionException e) {
            throw new DiffusionException(source + ": " + e.getMessage());
        }
    }

    /** Writes {@code mixture} as a spec file, atomically. */
    public static void write(GaussianMixture mixture, Path file) {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode weights = root.putArray("weights");
        for (double w : mixture.weights()) {
            weights.add(w);
        }
        putMatrix(root.putArray("means"), mixture.means());
        putMatrix(root.putArray("variances"), mixture.variances());
        try {
            AtomicFiles.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void putMatrix(ArrayNode node, double[][] rows) {
        for (double[] row : rows) {
            ArrayNode r = node.addArray();
            for (double v : row) {
                r.add(v);
            }
        }
    }

    private static double[] vector(JsonNode root, String field, String source) {
        JsonNode node = root.get(field);
        if (node == null) {
            throw new DiffusionException(source + ": missing field '" + field + "'");
        }
        if (!node.isArray() || node.isEmpty()) {
            throw new DiffusionException(source + ": field '" + field + "' must be a non-empty array of numbers");
        }
        double[] out = new double[node.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode v = node.get(i);
            if (!v.isNumber()) {
                throw new DiffusionException(source + ": " + field + "[" + i + "] must be a number, got " + v);
            }
            out[i] = v.asDouble();
        }
        return out;
    }

    private static double[][] matrix(JsonNode root, String field, String source) {
        JsonNode node = root.get(field);
        if (node == null) {
            throw new DiffusionException(source + ": missing field '" + field + "'");
        }
        if (!node.isArray() || node.isEmpty()) {
            throw new DiffusionException(source + ": field '" + field + "' must be a non-empty array of arrays");
        }
        double[][] out = new double[node.size()][];
        for (int i = 0; i < out.length; i++) {
            JsonNode row = node.get(i);
            if (!row.isArray()) {
                throw new DiffusionException(source + ": " + field + "[" + i + "] must be an array of numbers, got "
                        + row);
            }
            out[i] = new double[row.size()];
            for (int j = 0; j < row.size(); j++) {
                if (!row.get(j).isNumber()) {
                    throw new DiffusionException(source + ": " + field + "[" + i + "][" + j
                            + "] must be a number, got " + row.get(j));
                }
                out[i][j] = row.get(j).asDouble();
            }
        }
        return out;
    }
}
