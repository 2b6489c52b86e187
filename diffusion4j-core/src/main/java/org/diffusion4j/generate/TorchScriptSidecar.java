package org.diffusion4j.generate;

import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.diffusion4j.DiffusionException;
import org.diffusion4j.denoise.Preconditioning;
import org.diffusion4j.grid.GridSpec;
import org.diffusion4j.io.FileFormatException;
import org.diffusion4j.io.UserFiles;
import org.diffusion4j.process.DiscreteSchedule;
import org.diffusion4j.process.NoiseSchedule;
import org.diffusion4j.process.Schedules;
import org.diffusion4j.sample.SamplerRegistry;
import org.diffusion4j.sample.SamplingContext;

/**
 * The sidecar of a TorchScript denoiser: {@code FILE.json} next to {@code FILE.pt}, a JSON object that says what the
 * module computes, so that the existing {@link Preconditioning} turns it into a denoiser (docs/pytorch.md explains
 * every field):
 *
 * <table>
 *   <caption>fields</caption>
 *   <tr><th>field</th><th>required</th><th>values</th></tr>
 *   <tr><td>{@code sample_shape}</td><td>yes</td><td>shape of one sample, e.g. {@code [2]} or {@code [3, 32, 32]};
 *       the module takes and returns (B, *sample_shape)</td></tr>
 *   <tr><td>{@code prediction}</td><td>yes</td><td>{@code epsilon}, {@code data} (x₀, or the output of an
 *       EDM-preconditioned D), {@code v}, {@code velocity} (flow), {@code score}, {@code edm} (EDM's raw F, which
 *       diffusion4j preconditions)</td></tr>
 *   <tr><td>{@code process}</td><td>yes</td><td>{@code edm}/{@code ve}, {@code vp} ({@code beta_min},
 *       {@code beta_max}), {@code vp-cosine}, {@code linear}, {@code gvp}, {@code ddpm-linear} and
 *       {@code ddpm-scaled-linear} ({@code beta_start}, {@code beta_end}, {@code timesteps}), {@code ddpm-cosine}
 *       ({@code timesteps})</td></tr>
 *   <tr><td>{@code noise_label}</td><td>yes</td><td>{@code timestep} (a ddpm chain's timestep index, or
 *       (N − 1)·t with N = {@code timesteps} on a process on t ∈ [0, 1]), {@code t}, {@code sigma} (σ̃, as EDM's
 *       preconditioned D takes it), {@code log-sigma} (EDM's c_noise = ¼·ln σ̃), {@code log-half-sigma}
 *       (ln(σ̃/2))</td></tr>
 *   <tr><td>{@code dtype}</td><td>no</td><td>{@code float32} (default) or {@code float64}</td></tr>
 *   <tr><td>{@code scale_input}</td><td>no</td><td>{@code true}: the module sees x_t/√(σ² + α²σ_d²) (EDM's c_in);
 *       default {@code false}: x_t as it is</td></tr>
 *   <tr><td>{@code sigma_data}</td><td>with {@code edm} or {@code scale_input}</td><td>σ_d (default 0.5
 *       otherwise, unused)</td></tr>
 *   <tr><td>{@code classes}, {@code null_class}</td><td>no</td><td>number of classes (default 0); whether label
 *       {@code classes} means "no class" (default false)</td></tr>
 *   <tr><td>{@code sigma_min}, {@code sigma_max}</td><td>no</td><td>the range of the default Karras grid, in EDM
 *       levels σ̃ (default: the process's range within [0.002, 80])</td></tr>
 *   <tr><td>{@code sampler}</td><td>no</td><td>the default sampler spec (default {@code heun})</td></tr>
 *   <tr><td>{@code version}</td><td>no</td><td>1</td></tr>
 * </table>
 *
 * <p>Every field is checked on reading: a missing, unknown, mistyped or out-of-range field, or one that does not
 * apply to the process, is a {@link FileFormatException} naming the file and the field, with what was expected and
 * what was found.
 *
 * @param file the sidecar file
 * @param sampleShape the shape of one sample
 * @param dataType the type the module computes in
 * @param preconditioning the prediction, process, noise label and input scaling
 * @param classes number of classes (0: unconditional)
 * @param nullClass whether label {@code classes} means "no class"
 * @param sigmaMin the default grid's smallest level
 * @param sigmaMax the default grid's largest level
 * @param sampler the default sampler spec
 */
public record TorchScriptSidecar(Path file, Shape sampleShape, DataType dataType, Preconditioning preconditioning,
        int classes, boolean nullClass, double sigmaMin, double sigmaMax, String sampler) {

    /** The noise labels a sidecar names. */
    public static final List<String> NOISE_LABELS = List.of("timestep", "t", "sigma", "log-sigma", "log-half-sigma");

    private static final List<String> FIELDS = List.of("version", "sample_shape", "dtype", "prediction", "process",
            "beta_min", "beta_max", "beta_start", "beta_end", "timesteps", "noise_label", "scale_input", "sigma_data",
            "sigma_min", "sigma_max", "classes", "null_class", "sampler");

    /** Which process takes which parameter fields. */
    private static final Map<String, List<String>> PROCESS_FIELDS = Map.of(
            "vp", List.of("beta_min", "beta_max"),
            "ddpm-linear", List.of("beta_start", "beta_end", "timesteps"),
            "ddpm-scaled-linear", List.of("beta_start", "beta_end", "timesteps"),
            "ddpm-cosine", List.of("timesteps"));

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The default grid of the model: Karras et al.'s with ρ = 7 over [sigma_min, sigma_max]. */
    public GridSpec defaultGrid() {
        return new GridSpec.Karras(sigmaMin, sigmaMax, 7);
    }

    /** The sidecar of the module in {@code module}: the same name with {@code .json} for its extension. */
    public static Path pathFor(Path module) {
        String name = module.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return module.resolveSibling((dot > 0 ? name.substring(0, dot) : name) + ".json");
    }

    /** Reads and checks the sidecar {@code file}. */
    public static TorchScriptSidecar read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new FileFormatException(file, "no such sidecar file; a TorchScript model needs one next to its .pt "
                    + "that says what the module predicts, on which process, with which noise label and sample shape "
                    + "(docs/pytorch.md)");
        }
        return parse(UserFiles.readText(file), file);
    }

    /** Parses sidecar {@code json}; {@code file} names it in errors. */
    public static TorchScriptSidecar parse(String json, Path file) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new FileFormatException(file, "not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (root == null || !root.isObject()) {
            throw new FileFormatException(file, "expected a JSON object with sample_shape, prediction, process and "
                    + "noise_label");
        }
        return new Reader(root, file).read();
    }

    /** Reads the fields of one sidecar, each checked, with errors naming the file and the field. */
    private static final class Reader {
        private final JsonNode root;
        private final Path file;

        Reader(JsonNode root, Path file) {
            this.root = root;
            this.file = file;
        }

        TorchScriptSidecar read() {
            for (Iterator<String> names = root.fieldNames(); names.hasNext();) {
                String name = names.next();
                if (!FIELDS.contains(name)) {
                    throw error("unknown field '" + name + "'; the fields are " + String.join(", ", FIELDS));
                }
            }
            int version = integer("version", 1);
            if (version != 1) {
                throw error("field 'version': expected 1, got " + version);
            }
            Shape shape = shape();
            DataType type = switch (choice("dtype", List.of("float32", "float64"), "float32")) {
                case "float64" -> DataType.FLOAT64;
                default -> DataType.FLOAT32;
            };
            String prediction = choice("prediction", Preconditioning.PREDICTIONS, null);
            String process = choice("process", Schedules.names(), null);
            String label = choice("noise_label", NOISE_LABELS, null);
            List<String> own = PROCESS_FIELDS.getOrDefault(process, List.of());
            for (String field : List.of("beta_min", "beta_max", "beta_start", "beta_end")) {
                if (root.has(field) && !own.contains(field)) {
                    throw error("field '" + field + "' does not apply to process " + process + ", which takes "
                            + (own.isEmpty() ? "no parameters" : String.join(", ", own)));
                }
            }
            if (root.has("timesteps") && !own.contains("timesteps") && !label.equals("timestep")) {
                throw error("field 'timesteps' applies to the ddpm processes and to noise_label timestep; this "
                        + "sidecar has process " + process + " and noise_label " + label);
            }
            String processSpec = processSpec(process);
            String labelSpec = labelSpec(label, process);
            boolean scaleInput = flag("scale_input", false);
            boolean needsSigmaData = prediction.equals("edm") || scaleInput;
            if (needsSigmaData && !root.has("sigma_data")) {
                throw error("missing field 'sigma_data' (the data's standard deviation σ_d), which "
                        + (prediction.equals("edm") ? "prediction edm" : "scale_input true") + " uses");
            }
            double sigmaData = positive("sigma_data", 0.5);
            Preconditioning preconditioning;
            try {
                preconditioning = new Preconditioning(processSpec, prediction, sigmaData, scaleInput, labelSpec);
            } catch (DiffusionException e) {
                throw error("process " + processSpec + ": " + e.getMessage());
            }
            int classes = integer("classes", 0);
            if (classes < 0) {
                throw error("field 'classes': expected a number of classes ≥ 0, got " + classes);
            }
            boolean nullClass = flag("null_class", false);
            if (nullClass && classes == 0) {
                throw error("field 'null_class' is true but the model has no classes (field 'classes' is 0)");
            }
            double[] range = range(preconditioning.schedule());
            String sampler = text("sampler", GaussianGenerator.DEFAULT_SAMPLER);
            try {
                SamplerRegistry.create(sampler, SamplingContext.of(preconditioning));
            } catch (DiffusionException e) {
                throw error("field 'sampler': " + e.getMessage());
            }
            return new TorchScriptSidecar(file, shape, type, preconditioning, classes, nullClass, range[0], range[1],
                    sampler);
        }

        /** The process as a {@link org.diffusion4j.process.Schedules} spec with the sidecar's parameters. */
        private String processSpec(String process) {
            List<String> options = new ArrayList<>();
            for (String field : PROCESS_FIELDS.getOrDefault(process, List.of())) {
                if (!root.has(field)) {
                    continue;
                }
                if (field.equals("timesteps")) {
                    int steps = integer(field, 1000);
                    if (steps < 2) {
                        throw error("field 'timesteps': a ddpm chain needs at least 2 timesteps, got " + steps);
                    }
                    options.add("steps=" + steps);
                } else {
                    options.add(field + "=" + number(field, Double.NaN));
                }
            }
            return options.isEmpty() ? process : process + ":" + String.join(",", options);
        }

        /** The noise label as a {@link Preconditioning} label spec. */
        private String labelSpec(String label, String process) {
            boolean discrete = process.startsWith("ddpm-");
            if (!label.equals("timestep")) {
                return label;
            }
            if (discrete) {
                return "t";
            }
            if (process.equals("edm") || process.equals("ve")) {
                throw error("field 'noise_label': timestep needs a ddpm chain or a process on t ∈ [0, 1] (vp, "
                        + "vp-cosine, linear, gvp); process " + process + " has σ = t, unbounded: use sigma, "
                        + "log-sigma or log-half-sigma");
            }
            int steps = integer("timesteps", 1000);
            if (steps < 2) {
                throw error("field 'timesteps': the label (N − 1)·t needs N ≥ 2, got " + steps);
            }
            return "time:steps=" + steps;
        }

        /** [sigma_min, sigma_max]: given, inside the process's levels, or the process's range within [0.002, 80]. */
        private double[] range(NoiseSchedule schedule) {
            double low = schedule.edmSigma(schedule.minTime());
            double high = schedule.edmSigma(schedule.maxTime());
            if (schedule instanceof DiscreteSchedule chain) {
                double[] levels = chain.trainingSigmas();
                low = levels[0];
                high = levels[levels.length - 1];
            }
            double min = positive("sigma_min", Math.max(0.002, low));
            double max = positive("sigma_max", Math.min(80, high));
            if (!(min < max)) {
                throw error("fields 'sigma_min' and 'sigma_max': expected sigma_min < sigma_max, got " + min + " and "
                        + max);
            }
            double slack = 1e-9;
            if (min < low * (1 - slack)) {
                throw error(String.format(Locale.ROOT, "field 'sigma_min': %s is below the smallest level of process "
                        + "%s, σ̃ = %.6g", min, schedule.name(), low));
            }
            if (max > high * (1 + slack)) {
                throw error(String.format(Locale.ROOT, "field 'sigma_max': %s is above the largest level of process "
                        + "%s, σ̃ = %.6g", max, schedule.name(), high));
            }
            return new double[] {min, max};
        }

        private Shape shape() {
            JsonNode node = root.get("sample_shape");
            if (node == null) {
                throw error("missing field 'sample_shape' (the shape of one sample, e.g. [2] or [3, 32, 32])");
            }
            if (!node.isArray() || node.isEmpty()) {
                throw error("field 'sample_shape': expected a non-empty array of positive integers, got " + node);
            }
            long[] dims = new long[node.size()];
            for (int i = 0; i < dims.length; i++) {
                JsonNode d = node.get(i);
                if (!d.isIntegralNumber() || !d.canConvertToInt() || d.asInt() < 1) {
                    throw error("field 'sample_shape': expected positive integers, got " + d + " at index " + i);
                }
                dims[i] = d.asInt();
            }
            return new Shape(dims);
        }

        private String choice(String field, List<String> values, String fallback) {
            JsonNode node = root.get(field);
            String what = "one of " + String.join(", ", values);
            if (node == null) {
                if (fallback == null) {
                    throw error("missing field '" + field + "' (" + what + ")");
                }
                return fallback;
            }
            if (!node.isTextual() || !values.contains(node.asText())) {
                throw error("field '" + field + "': expected " + what + ", got " + node);
            }
            return node.asText();
        }

        private String text(String field, String fallback) {
            JsonNode node = root.get(field);
            if (node == null) {
                return fallback;
            }
            if (!node.isTextual() || node.asText().isBlank()) {
                throw error("field '" + field + "': expected a non-empty string, got " + node);
            }
            return node.asText();
        }

        private boolean flag(String field, boolean fallback) {
            JsonNode node = root.get(field);
            if (node == null) {
                return fallback;
            }
            if (!node.isBoolean()) {
                throw error("field '" + field + "': expected true or false, got " + node);
            }
            return node.asBoolean();
        }

        private int integer(String field, int fallback) {
            JsonNode node = root.get(field);
            if (node == null) {
                return fallback;
            }
            if (!node.isIntegralNumber() || !node.canConvertToInt()) {
                throw error("field '" + field + "': expected an integer, got " + node);
            }
            return node.asInt();
        }

        private double number(String field, double fallback) {
            JsonNode node = root.get(field);
            if (node == null) {
                return fallback;
            }
            if (!node.isNumber() || !Double.isFinite(node.asDouble())) {
                throw error("field '" + field + "': expected a number, got " + node);
            }
            return node.asDouble();
        }

        private double positive(String field, double fallback) {
            double value = number(field, fallback);
            if (!(value > 0)) {
                throw error("field '" + field + "': expected a positive number, got " + value);
            }
            return value;
        }

        private FileFormatException error(String problem) {
            return new FileFormatException(file, problem);
        }
    }
}
