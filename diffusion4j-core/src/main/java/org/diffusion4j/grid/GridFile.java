package org.diffusion4j.grid;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import org.diffusion4j.io.AtomicFiles;
import org.diffusion4j.io.FileFormatException;
import org.diffusion4j.io.UserFiles;

/**
 * A grid of EDM levels kept in a file, as {@code d4j tune-grid} writes it and {@code --grid file:PATH} reads it:
 * <pre>
 * {"format": "diffusion4j-grid", "version": 1, "sigmas": [80, …, 0.002, 0], "sampler": "dpmpp-2m", "nfe": 10,
 *  "model": "…", "calibration": {…}, "reference": {…}, "discrepancy": {…}, …}
 * </pre>
 * {@code format}, {@code version}, {@code sigmas}, {@code sampler} and {@code nfe} are required; everything else is
 * provenance (what the grid was tuned on and how well it did), kept as written. The levels are the EDM view's σ/α of
 * the model's process, highest first; only the last may be 0.
 *
 * @param sigmas the levels, strictly decreasing, positive but for a last 0
 * @param sampler the sampler spec the grid was made for
 * @param nfe the model calls per sample it was made for
 * @param provenance every other field of the file (model, calibration, reference, discrepancy, …), in order
 */
public record GridFile(double[] sigmas, String sampler, int nfe, ObjectNode provenance) {
    /** The value of the {@code format} field. */
    public static final String FORMAT = "diffusion4j-grid";

    /** The only version there is. */
    public static final int VERSION = 1;

    private static final ObjectMapper JSON = new ObjectMapper();

    public GridFile {
        sigmas = sigmas.clone();
        Grid.of(sigmas);
        provenance = provenance == null ? JSON.createObjectNode() : provenance.deepCopy();
    }

    /** A copy of the levels. */
    @Override
    public double[] sigmas() {
        return sigmas.clone();
    }

    /** The grid of the file, as a sampler walks it. */
    public Grid grid() {
        return Grid.of(sigmas);
    }

    /** The steps of the grid as written: levels minus one. */
    public int steps() {
        return sigmas.length - 1;
    }

    /** Reads and checks {@code file}; every error names the file and the field. */
    public static GridFile read(Path file) {
        JsonNode root = UserFiles.readJson(file);
        if (!root.isObject()) {
            throw new FileFormatException(file, "expected a JSON object with format \"" + FORMAT + "\", version, "
                    + "sigmas, sampler and nfe, got " + root.getNodeType().toString().toLowerCase(java.util.Locale.ROOT));
        }
        String format = text(file, root, "format");
        if (!format.equals(FORMAT)) {
            throw new FileFormatException(file, "field 'format' is \"" + format + "\", expected \"" + FORMAT + "\"");
        }
        int version = positiveInt(file, root, "version");
        if (version != VERSION) {
            throw new FileFormatException(file, "field 'version' is " + version + ", expected " + VERSION
                    + " (the only version this diffusion4j reads)");
        }
        double[] sigmas = levels(file, root);
        String sampler = text(file, root, "sampler");
        int nfe = positiveInt(file, root, "nfe");
        ObjectNode provenance = JSON.createObjectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> field = it.next();
            if (!java.util.Set.of("format", "version", "sigmas", "sampler", "nfe").contains(field.getKey())) {
                provenance.set(field.getKey(), field.getValue());
            }
        }
        return new GridFile(sigmas, sampler, nfe, provenance);
    }

    /** Writes the file, whole or not at all ({@link AtomicFiles}). */
    public void write(Path file) {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("version", VERSION);
        ArrayNode levels = root.putArray("sigmas");
        for (double s : sigmas) {
            levels.add(s);
        }
        root.put("sampler", sampler);
        root.put("nfe", nfe);
        root.setAll(provenance);
        try {
            AtomicFiles.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String text(Path file, JsonNode root, String field) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            throw new FileFormatException(file, "missing field '" + field + "'");
        }
        if (!node.isTextual() || node.asText().isBlank()) {
            throw new FileFormatException(file, "field '" + field + "' must be a non-empty string, got " + node);
        }
        return node.asText();
    }

    private static int positiveInt(Path file, JsonNode root, String field) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            throw new FileFormatException(file, "missing field '" + field + "'");
        }
        if (!node.isIntegralNumber() || !node.canConvertToInt() || node.asInt() < 1) {
            throw new FileFormatException(file, "field '" + field + "' must be a positive integer, got " + node);
        }
        return node.asInt();
    }

    private static double[] levels(Path file, JsonNode root) {
        JsonNode node = root.get("sigmas");
        if (node == null || node.isNull()) {
            throw new FileFormatException(file, "missing field 'sigmas'");
        }
        if (!node.isArray() || node.size() < 2) {
            throw new FileFormatException(file, "field 'sigmas' must be an array of at least 2 noise levels, got "
                    + (node.isArray() ? node.size() + " level" + (node.size() == 1 ? "" : "s") : node.toString()));
        }
        double[] out = new double[node.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode v = node.get(i);
            if (!v.isNumber()) {
                throw new FileFormatException(file, "sigmas[" + i + "] must be a number, got " + v);
            }
            double s = v.asDouble();
            if (!Double.isFinite(s)) {
                throw new FileFormatException(file, "sigmas[" + i + "] = " + v + " is not finite");
            }
            if (s < 0) {
                throw new FileFormatException(file, "sigmas[" + i + "] = " + s + " is negative; noise levels are ≥ 0");
            }
            if (s == 0 && i < out.length - 1) {
                throw new FileFormatException(file, "sigmas[" + i + "] = 0 before the last level; only the last "
                        + "may be 0");
            }
            if (i > 0 && !(s < out[i - 1])) {
                throw new FileFormatException(file, "sigmas[" + i + "] = " + s + " is not below sigmas[" + (i - 1)
                        + "] = " + out[i - 1] + "; the levels must be strictly decreasing");
            }
            out[i] = s;
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GridFile g && Arrays.equals(sigmas, g.sigmas) && sampler.equals(g.sampler)
                && nfe == g.nfe && provenance.equals(g.provenance);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(sigmas) * 31 + sampler.hashCode();
    }

    @Override
    public String toString() {
        return "GridFile[" + sampler + ", " + nfe + " NFE, " + Arrays.toString(sigmas) + "]";
    }
}
