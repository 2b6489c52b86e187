package org.diffusion4j.cli;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.grid.GridFile;
import org.diffusion4j.io.ArrayFiles;
import org.diffusion4j.io.OutputPaths;
import org.diffusion4j.tune.GridTuner;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code d4j tune-grid}: choose a sampler's noise levels at a fixed NFE for one model, and write them as a file. */
@Command(name = "tune-grid", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Choose the noise levels of a deterministic sampler at a fixed NFE for one model, and write "
                + "them as a grid file that --grid file:FILE takes everywhere a grid is taken.",
            "The levels minimise the RMS distance between the sampler's output and a high-NFE reference solution "
                    + "from the same starts on a calibration batch (LD3's teacher-student objective, Tong et al. "
                    + "2025), by BOBYQA from the Karras grid with σ_max fixed (σ_min too, unless --free-sigma-min). "
                    + "A validation batch of other seeds guards against overfitting: the baseline (Karras) grid is "
                    + "kept when the tuned one is not better there (docs/tuned-grids.md)."})
final class TuneGridCommand implements Callable<Integer> {

    @ArgGroup(exclusive = true, multiplicity = "1")
    SampleCommand.ModelOptions source;

    @Option(names = "--sampler", required = true, paramLabel = "SPEC", completionCandidates = SamplerNames.class,
            description = "The deterministic sampler the grid is for, e.g. dpmpp-2m, heun, unipc.")
    String sampler;

    @Option(names = "--nfe", required = true, paramLabel = "N",
            description = "Model calls per sample: the sampler takes the most steps whose calls fit in N.")
    int nfe;

    @Option(names = "--out", required = true, paramLabel = "FILE.json", description = "Where to write the grid file.")
    Path out;

    @Mixin
    GridOptions grid;

    @Option(names = "--process", paramLabel = "NAME",
            description = "For gmm models, the Gaussian process the model is seen through (default: edm).")
    String process;

    @Option(names = "--free-sigma-min",
            description = "Let the smallest positive level rise above the baseline's (up to e⁶-fold, and at most to "
                    + "√(σ_min·σ_max)), so the last denoiser call may come from a higher level; σ_max stays fixed. "
                    + "Needs the final zero.")
    boolean freeSigmaMin;

    @Option(names = "--calibration", paramLabel = "N", defaultValue = "64",
            description = "Samples of the calibration batch (default: ${DEFAULT-VALUE}).")
    int calibration;

    @Option(names = "--validation", paramLabel = "N",
            description = "Samples of the validation batch, seeds after the calibration ones (default: as many as "
                    + "--calibration).")
    Integer validation;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1000000",
            description = "First calibration seed; validation continues after the calibration seeds (default: "
                    + "${DEFAULT-VALUE}, away from the seed 0 that d4j sample, eval and bench start at).")
    long seed;

    @Option(names = "--reference", paramLabel = "SPEC",
            description = "The reference sampler, deterministic (default: --sampler), on a Karras grid between the "
                    + "same σ_max and σ_min.")
    String reference;

    @Option(names = "--reference-nfe", paramLabel = "N",
            description = "Model calls per sample of the reference (default: 10 × --nfe, at least 100).")
    Integer referenceNfe;

    @Option(names = "--max-evaluations", paramLabel = "N", defaultValue = "300",
            description = "The most sampler runs on the calibration batch the optimiser may make "
                    + "(default: ${DEFAULT-VALUE}).")
    int maxEvaluations;

    @Option(names = "--class", paramLabel = "C",
            description = "Draw every sample from class C (class-conditional models; default: the classes in turn).")
    Integer classLabel;

    @Option(names = "--cfg-scale", paramLabel = "W", defaultValue = "1",
            description = "Classifier-free guidance scale (default: ${DEFAULT-VALUE}).")
    double guidance;

    @Option(names = "--dtype", paramLabel = "TYPE", defaultValue = "float32",
            description = "float32 or float64 (default: ${DEFAULT-VALUE}).")
    String dtype;

    @Option(names = "--quiet", description = "No progress.")
    boolean quiet;

    @Override
    public Integer call() {
        if (!ArrayFiles.extension(out).equals("json")) {
            throw new InvalidArgumentException("--out " + out + ": a grid file is JSON; name it FILE.json");
        }
        if (nfe < 1) {
            throw new InvalidArgumentException("--nfe must be at least 1, got " + nfe);
        }
        OutputPaths.requireWritableFile(out, "--out");
        int validationSamples = validation == null ? calibration : validation;
        int referenceBudget = referenceNfe == null ? GridTuner.Config.defaultReferenceNfe(nfe) : referenceNfe;
        GridTuner.Result r;
        String modelName;
        GridTuner.Config config;
        try (NDManager manager = Backend.newManager()) {
            config = new GridTuner.Config(sampler, nfe, grid.spec(), grid.finalZero, freeSigmaMin, calibration,
                    validationSamples, seed, reference, referenceBudget, classLabel, guidance, DataTypes.parse(dtype),
                    maxEvaluations);
            Models.Loaded model = Models.load(source.model, source.run, process, manager);
            modelName = model.name();
            try (Progress progress = new Progress("tune-grid", maxEvaluations, quiet, System.err)) {
                r = GridTuner.tune(model.generator(), config, manager, event -> {
                    if (event.phase().equals("tuning") && event.evaluation() > 0) {
                        progress.step(String.format(Locale.ROOT, "best %.4g", event.best()));
                    } else if (!quiet) {
                        System.err.println("d4j tune-grid: " + phase(event.phase(), config));
                    }
                });
            }
        }
        String baselineName = grid.grid == null ? "karras" : grid.grid;
        GridFile file = new GridFile(r.sigmas(), sampler, nfe, provenance(r, config, modelName, baselineName));
        file.write(out);
        print(r, config, baselineName);
        System.out.println("wrote " + out);
        return 0;
    }

    private String phase(String phase, GridTuner.Config config) {
        return switch (phase) {
            case "reference" -> "reference: " + (reference == null ? sampler : reference) + " at "
                    + config.referenceNfe() + " NFE on " + (config.calibration() + config.validation()) + " starts";
            case "baseline" -> "baseline grid on the calibration and validation batches";
            case "tuning" -> "tuning (at most " + config.maxEvaluations() + " runs of " + config.calibration()
                    + " samples)";
            case "validation" -> "validating the tuned grid";
            default -> phase;
        };
    }

    private ObjectNode provenance(GridTuner.Result r, GridTuner.Config config, String model, String baseline) {
        ObjectNode root = new ObjectMapper().createObjectNode();
        root.put("model", model);
        if (process != null) {
            root.put("process", process);
        }
        root.put("steps", r.steps());
        root.put("kept", r.keptBaseline() ? "baseline" : "tuned");
        root.put("sigma_min", freeSigmaMin ? "free" : "fixed");
        ObjectNode calibrationNode = root.putObject("calibration");
        calibrationNode.put("seed", config.seed());
        calibrationNode.put("samples", config.calibration());
        calibrationNode.put("validation_seed", config.seed() + config.calibration());
        calibrationNode.put("validation_samples", config.validation());
        calibrationNode.put("classes", classLabel == null ? "in turn" : String.valueOf(classLabel));
        calibrationNode.put("cfg_scale", guidance);
        calibrationNode.put("dtype", dtype);
        ObjectNode referenceNode = root.putObject("reference");
        referenceNode.put("sampler", reference == null ? sampler : reference);
        referenceNode.put("nfe", r.referenceEvaluations());
        referenceNode.put("steps", r.referenceSteps());
        referenceNode.put("grid", "karras");
        ObjectNode discrepancy = root.putObject("discrepancy");
        discrepancy.put("metric", "rms distance to the reference over all elements");
        discrepancy.put("baseline_grid", baseline);
        discrepancy.put("baseline", r.baseline());
        discrepancy.put("tuned", r.tuned());
        discrepancy.put("validation_baseline", r.validationBaseline());
        discrepancy.put("validation_tuned", r.validationTuned());
        ObjectNode optimizer = root.putObject("optimizer");
        optimizer.put("method", r.optimizer());
        optimizer.put("evaluations", r.objectiveEvaluations());
        optimizer.put("max_evaluations", config.maxEvaluations());
        optimizer.put("seconds", Math.round(r.seconds() * 10) / 10.0);
        ArrayNode baselineSigmas = root.putArray("baseline_sigmas");
        Arrays.stream(r.baselineSigmas()).forEach(baselineSigmas::add);
        if (r.keptBaseline()) {
            ArrayNode tuned = root.putArray("rejected_sigmas");
            Arrays.stream(r.tunedSigmas()).forEach(tuned::add);
        }
        return root;
    }

    private void print(GridTuner.Result r, GridTuner.Config config, String baseline) {
        System.out.printf(Locale.ROOT, "%s, %d steps (NFE %d); reference %s at NFE %d (%d steps); %d calibration and "
                + "%d validation samples%n", r.sampler(), r.steps(), r.evaluations(),
                reference == null ? sampler : reference, r.referenceEvaluations(), r.referenceSteps(),
                config.calibration(), config.validation());
        System.out.printf(Locale.ROOT, "RMS distance to the reference   calibration   validation%n");
        System.out.printf(Locale.ROOT, "%-30s %12.5g %12.5g%n", baseline, r.baseline(), r.validationBaseline());
        System.out.printf(Locale.ROOT, "%-30s %12.5g %12.5g%n", "tuned", r.tuned(), r.validationTuned());
        System.out.printf(Locale.ROOT, "%s, %d evaluations, %.1f s%n", r.optimizer(), r.objectiveEvaluations(),
                r.seconds());
        if (r.keptBaseline()) {
            System.out.println("the tuned grid is not better on the validation batch: the file holds the " + baseline
                    + " grid");
        }
        System.out.println("sigmas: " + Arrays.stream(r.sigmas()).mapToObj(s -> String.format(Locale.ROOT, "%.6g", s))
                .collect(Collectors.joining(", ")));
    }
}
