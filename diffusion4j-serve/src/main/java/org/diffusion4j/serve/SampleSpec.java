package org.diffusion4j.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.diffusion4j.generate.Budget;
import org.diffusion4j.generate.GenerationRequest;
import org.diffusion4j.generate.Generator;

/**
 * One generation request of the API, checked: which model, how to sample, which samples, in which format. Sample i
 * has seed {@code seed + i} and, on a class-conditional model, class {@code classLabel} or else {@code i mod classes}
 * (as {@code d4j sample}), so a request gives the same samples whether it runs alone or merged into a batch.
 *
 * @param model the served model
 * @param sampler the sampler spec (the model's default when the request names none)
 * @param budget steps or NFE per sample
 * @param n number of samples
 * @param seed seed of the first sample
 * @param classLabel the class of every sample, or null
 * @param guidance classifier-free guidance scale
 * @param format {@code png}, {@code npy} or {@code json}
 */
public record SampleSpec(ServedModel model, String sampler, Budget budget, int n, long seed, Integer classLabel,
        double guidance, String format) {

    /** The formats of a result. */
    public static final List<String> FORMATS = List.of("png", "npy", "json");

    /** Steps of a request that names neither steps nor NFE. */
    public static final int DEFAULT_STEPS = 20;

    /** Samples of a request that names no {@code n}. */
    public static final int DEFAULT_N = 1;

    private static final Set<String> FIELDS = Set.of("model", "sampler", "steps", "nfe", "n", "seed", "class",
            "guidance", "format");

    /** The seeds of the samples. */
    public long[] seeds() {
        return GenerationRequest.consecutiveSeeds(seed, n);
    }

    /** The class of each sample, or null for an unconditional model. */
    public int[] classes() {
        int count = model.generator().classes();
        if (count == 0) {
            return null;
        }
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = classLabel != null ? classLabel : i % count;
        }
        return labels;
    }

    /** What requests must share to run in one engine batch. */
    public BatchKey batchKey() {
        return new BatchKey(model.name(), sampler, budget, guidance);
    }

    /** The settings a merged batch shares. */
    public record BatchKey(String model, String sampler, Budget budget, double guidance) {}

    /** Parses and checks a JSON request body against the served models and the limits. */
    public static SampleSpec parse(byte[] body, Map<String, ServedModel> models, Limits limits, ObjectMapper json) {
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest(null, "malformed JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw ApiException.badRequest(null, "unreadable request body: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw ApiException.badRequest(null, "the request body must be a JSON object, e.g. "
                    + "{\"model\": \"bundled:mnist-edm\", \"steps\": 10, \"n\": 4}");
        }
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw ApiException.badRequest(name, "unknown field '" + name + "'; known: " + String.join(", ",
                        FIELDS.stream().sorted().toList()));
            }
        }
        ServedModel model = model(root, models);
        Generator generator = model.generator();
        String sampler = text(root, "sampler", generator.defaultSampler());
        String samplerName = sampler.contains(":") ? sampler.substring(0, sampler.indexOf(':')) : sampler;
        if (!generator.samplers().contains(samplerName)) {
            throw new ApiException(400, "sampler", "unknown sampler '" + samplerName + "' for " + model.name()
                    + "; known: " + String.join(", ", generator.samplers()));
        }
        if (root.has("steps") && root.has("nfe")) {
            throw ApiException.badRequest("nfe", "give steps or nfe, not both");
        }
        Budget budget = root.has("nfe") ? Budget.nfe(bounded(root, "nfe", 0, 1, limits.maxSteps()))
                : Budget.steps(bounded(root, "steps", DEFAULT_STEPS, 1, limits.maxSteps()));
        int n = bounded(root, "n", DEFAULT_N, 1, limits.maxSamples());
        long seed = root.has("seed") ? integer(root, "seed") : 0;
        Integer classLabel = null;
        if (root.hasNonNull("class")) {
            int classes = generator.classes();
            if (classes == 0) {
                throw ApiException.badRequest("class", model.name() + " is unconditional; it takes no class");
            }
            classLabel = bounded(root, "class", 0, 0, classes - 1);
        }
        double guidance = 1;
        if (root.has("guidance")) {
            JsonNode node = root.get("guidance");
            if (!node.isNumber() || !Double.isFinite(node.asDouble())) {
                throw ApiException.badRequest("guidance", "guidance must be a finite number, got " + node);
            }
            guidance = node.asDouble();
            if (guidance != 1 && generator.classes() == 0) {
                throw ApiException.badRequest("guidance", model.name() + " is unconditional; classifier-free "
                        + "guidance needs a class-conditional model");
            }
        }
        String format = text(root, "format", model.images() ? "png" : "json");
        if (!FORMATS.contains(format)) {
            throw ApiException.badRequest("format", "unknown format '" + format + "'; expected one of "
                    + String.join(", ", FORMATS));
        }
        if (format.equals("png") && !model.images()) {
            throw ApiException.badRequest("format", model.name() + " makes samples of shape "
                    + generator.sampleShape() + ", not images; ask for npy or json");
        }
        return new SampleSpec(model, sampler, budget, n, seed, classLabel, guidance, format);
    }

    private static ServedModel model(JsonNode root, Map<String, ServedModel> models) {
        if (!root.has("model")) {
            if (models.size() == 1) {
                return models.values().iterator().next();
            }
            throw ApiException.badRequest("model", "this server has several models; name one of "
                    + String.join(", ", models.keySet()));
        }
        String name = text(root, "model", null);
        ServedModel model = models.get(name);
        if (model == null) {
            throw new ApiException(404, "model", "unknown model '" + name + "'; served: " + String.join(", ",
                    models.keySet()));
        }
        return model;
    }

    private static String text(JsonNode root, String field, String fallback) {
        if (!root.has(field) || root.get(field).isNull()) {
            return fallback;
        }
        JsonNode node = root.get(field);
        if (!node.isTextual() || node.asText().isBlank()) {
            throw ApiException.badRequest(field, field + " must be a non-empty string, got " + node);
        }
        return node.asText();
    }

    private static long integer(JsonNode root, String field) {
        JsonNode node = root.get(field);
        if (!node.isIntegralNumber() || !node.canConvertToLong()) {
            throw ApiException.badRequest(field, field + " must be an integer, got " + node);
        }
        return node.asLong();
    }

    private static int bounded(JsonNode root, String field, int fallback, int min, int max) {
        if (!root.has(field) || root.get(field).isNull()) {
            return fallback;
        }
        long value = integer(root, field);
        if (value < min || value > max) {
            throw ApiException.badRequest(field, field + " must be between " + min + " and " + max + ", got "
                    + value);
        }
        return (int) value;
    }
}
