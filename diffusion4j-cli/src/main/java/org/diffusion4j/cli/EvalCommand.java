package org.diffusion4j.cli;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.ShapeMismatchException;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.data.IdxDatasets;
import org.diffusion4j.data.ImageSet;
import org.diffusion4j.data.Toy2d;
import org.diffusion4j.denoise.GaussianMixture;
import org.diffusion4j.denoise.MixtureSpec;
import org.diffusion4j.eval.Classifier;
import org.diffusion4j.eval.ModelEvaluation;
import org.diffusion4j.generate.Budget;
import org.diffusion4j.generate.GenerationRequest;
import org.diffusion4j.generate.Generator;
import org.diffusion4j.io.AtomicFiles;
import org.diffusion4j.io.OutputPaths;
import org.diffusion4j.train.ModelSource;
import org.diffusion4j.train.TrainedModel;
import org.diffusion4j.train.TrainingConfig;
import org.diffusion4j.train.TrainingData;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code d4j eval}: sample a trained model and measure it against its data. */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Sample a trained model and measure the samples against its data.",
            "Images: Fréchet distance in the bundled classifier's feature space, precision and recall (k = 3), "
                    + "and for class-conditional models the classifier's accuracy on the classes asked for. "
                    + "2-D data: sliced Wasserstein distance, MMD and, for mixtures, the NLL under the true density.",
            "Every distance is printed beside its floor: the same distance between two disjoint real sets of the "
                    + "same size."})
final class EvalCommand implements Callable<Integer> {

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    static final class Source {
        @Option(names = "--run", paramLabel = "RUN", description = "A trained run directory.")
        Path run;

        @Option(names = "--model", paramLabel = "MODEL",
                description = "A shipped model (bundled:mnist-edm), or torchscript:FILE.pt (a PyTorch denoiser with "
                        + "its sidecar FILE.json; give --reference).")
        String model;
    }

    @Option(names = "--reference", paramLabel = "DATA",
            description = "What a torchscript: model is measured against: mnist, fashion (IDX files from --data), "
                    + "gmm:NAME or gmm:FILE.json (exact draws). A trained run is measured against its own data.")
    String reference;

    @Option(names = "--sampler", paramLabel = "SPEC",
            description = "Sampler spec (default: heun; a distilled run's own, ddim); for a phase-space (PSLD) model one of "
                    + "euler, euler-maruyama, sscs, conjugate[:lambda=L], nse, rse, nvv, rvv, roba[:lambda_s=L], "
                    + "noba[:lambda_s=L], cse[:lambda=L], cvv[:lambda=L], coba[:lambda=L,lambda_s=L], on PSLD's "
                    + "quadratic time grid (which takes no grid options).")
    String sampler;

    @Option(names = "--nfe", paramLabel = "N",
            description = "Model calls per sample: the most steps whose calls fit in N (a two-call sampler "
                    + "ending at σ = 0 takes ⌊(N + 1)/2⌋ steps). Required unless the run records its step count "
                    + "(a distilled run is measured at its own by default).")
    Integer nfe;

    @Mixin
    GridOptions grid;

    @Option(names = "--n", defaultValue = "2000", paramLabel = "N",
            description = "Samples to generate; at most half the data, for the real-vs-real floor: at most 5000 on "
                    + "the 10 000 MNIST test images alone (default: ${DEFAULT-VALUE}).")
    int n;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S", description = "Seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--cfg-scale", defaultValue = "1", paramLabel = "W",
            description = "Classifier-free guidance scale (default: ${DEFAULT-VALUE}, no guidance).")
    double guidance;

    @Option(names = "--data", paramLabel = "DIR", defaultValue = "${env:D4J_DATA:-data}",
            description = "Where MNIST and Fashion-MNIST are (default: $D4J_DATA or ./data).")
    Path dataDir;

    @Option(names = "--json", paramLabel = "FILE", description = "Write the measurements as JSON.")
    Path json;

    @Option(names = "--quiet", description = "No progress bar.")
    boolean quiet;

    @Override
    public Integer call() {
        if (nfe != null && nfe < 1) {
            throw new InvalidArgumentException("--nfe must be at least 1, got " + nfe);
        }
        if (nfe == null && source.run == null) {
            throw new InvalidArgumentException("Missing required option: '--nfe=N'");
        }
        if (nfe == null) {
            Models.requireRecordedSampling(source.run, "--nfe");
        }
        if (n < 1) {
            throw new InvalidArgumentException("--n must be at least 1, got " + n);
        }
        if (json != null) {
            OutputPaths.requireWritableFile(json, "--json");
        }
        try (NDManager manager = Backend.newManager()) {
            Measured measured = measured(manager);
            if (sampler == null) { // heun, or a distilled run's own sampler (at its own steps when --nfe is absent)
                Generator own = measured.generator();
                sampler = own.defaultBudget() != null ? own.defaultSampler() : "heun";
            }
            grid.noteIfTunedForAnother(sampler, "eval");
            ImageSet data = measured.reference().data();
            GenerationRequest request = GenerationRequest.builder(GenerationRequest.consecutiveSeeds(seed, n))
                    .sampler(sampler).budget(nfe != null ? Budget.nfe(nfe) : null).guidance(guidance)
                    .grid(grid.spec()).finalZero(grid.finalZero).build();
            ModelEvaluation.Result r;
            try (Classifier classifier = measured.classifier() != null ? Classifier.bundled(measured.classifier())
                    : null; Progress progress = new Progress("eval", n, quiet, System.err)) {
                r = ModelEvaluation.evaluate(measured.generator(), request, new ModelEvaluation.Reference(data,
                        classifier, measured.reference().mixture()), manager, progress::skipTo);
            }
            print(measured.name(), r);
            if (json != null) {
                ObjectNode out = TrainingConfig.JSON.valueToTree(r);
                out.put("model", source.run != null ? source.run.toString() : source.model);
                out.put("sampler", sampler);
                out.put("cfg_scale", guidance);
                AtomicFiles.writeString(json, out.toPrettyString() + "\n");
                System.out.println("wrote " + json);
            }
        }
        return 0;
    }

    /**
     * A model and what it is measured against.
     *
     * @param classifier the dataset whose bundled classifier gives the feature space, or null for 2-D data
     */
    private record Measured(String name, Generator generator, ModelEvaluation.Reference reference,
            String classifier) {}

    /** A trained run against its own data; a TorchScript model against --reference. */
    private Measured measured(NDManager manager) {
        java.util.function.Consumer<String> notes = note -> System.err.println("d4j eval: " + note);
        if (source.model == null || !source.model.startsWith(ModelSource.TORCHSCRIPT)) {
            if (reference != null) {
                throw new InvalidArgumentException("--reference is for torchscript: models; a trained model is "
                        + "measured against the data it was trained on");
            }
            TrainedModel model = Models.trained(source.model, source.run, manager);
            TrainingConfig config = model.config();
            ImageSet data = TrainingData.load(config, dataDir, false, notes);
            GaussianMixture mixture = config.data().source().equals("gmm") ? (MixtureSpec.BUNDLED.contains(
                    config.data().path()) ? MixtureSpec.bundled(config.data().path())
                    : MixtureSpec.read(Path.of(config.data().path()))) : null;
            return new Measured(config.name(), model.generator(), new ModelEvaluation.Reference(data, null, mixture),
                    data.sampleShape().dimension() == 3 ? config.data().source() : null);
        }
        if (reference == null) {
            throw new InvalidArgumentException("a torchscript: model names no data to be measured against; give "
                    + "--reference mnist, fashion, gmm:NAME or gmm:FILE.json");
        }
        Generator generator = Models.load(source.model, null, null, manager).generator();
        ModelEvaluation.Reference against;
        String classifier = null;
        if (reference.startsWith("gmm:")) {
            GaussianMixture mixture = ModelSource.mixture(reference);
            against = new ModelEvaluation.Reference(Toy2d.mixture(mixture, Math.max(2 * n, 10_000), seed, reference),
                    null, mixture);
        } else {
            IdxDatasets.Kind kind = IdxDatasets.Kind.parse(reference);
            IdxDatasets.Loaded loaded = new IdxDatasets(dataDir, false).load(kind);
            loaded.notes().forEach(notes);
            against = new ModelEvaluation.Reference(loaded.images(), null, null);
            classifier = kind.id();
        }
        if (!generator.sampleShape().equals(against.data().sampleShape())) {
            throw new ShapeMismatchException(source.model + " draws samples of shape " + generator.sampleShape()
                    + " but --reference " + reference + " has samples of shape " + against.data().sampleShape());
        }
        return new Measured(source.model, generator, against, classifier);
    }

    private void print(String name, ModelEvaluation.Result r) {
        System.out.printf(Locale.ROOT, "%s, %s %d steps (NFE %d per sample), %d samples%n", name, sampler,
                r.steps(), r.evaluations(), r.samples());
        if (!Double.isNaN(r.frechet())) {
            System.out.printf(Locale.ROOT, "Fréchet distance   %10.4f   (real vs real %.4f)%n", r.frechet(),
                    r.frechetFloor());
            System.out.printf(Locale.ROOT, "precision          %10.4f%nrecall             %10.4f%n", r.precision(),
                    r.recall());
            if (!Double.isNaN(r.classAccuracy())) {
                System.out.printf(Locale.ROOT, "class accuracy     %10.4f%n", r.classAccuracy());
            }
        } else {
            System.out.printf(Locale.ROOT, "sliced Wasserstein %10.4f   (real vs real %.4f)%n", r.swd(), r.swdFloor());
            System.out.printf(Locale.ROOT, "MMD²               %10.5f   (real vs real %.5f)%n", r.mmd(), r.mmdFloor());
            if (!Double.isNaN(r.nll())) {
                System.out.printf(Locale.ROOT, "NLL                %10.4f   (real samples %.4f)%n", r.nll(),
                        r.nllFloor());
            }
            if (r.modeMasses() != null) {
                ModelEvaluation.ModeMasses masses = r.modeMasses();
                StringBuilder line = new StringBuilder();
                for (int k = 0; k < masses.weights().length; k++) {
                    line.append(String.format(Locale.ROOT, " %.3f/%.3f", masses.generated()[k], masses.weights()[k]));
                }
                System.out.printf(Locale.ROOT, "mode masses (generated/weight):%s%n", line);
                System.out.printf(Locale.ROOT, "worst mode mass error %6.1f%%   (real samples %.1f%%)%n",
                        100 * masses.worstRelativeError(), 100 * masses.realWorstRelativeError());
            }
            if (r.support() != null) {
                System.out.printf(Locale.ROOT, "outside the %.0f%% region %6.2f%%   (real samples %.2f%%)%n",
                        100 * r.support().level(), 100 * r.support().generated(), 100 * r.support().real());
            }
        }
    }
}
