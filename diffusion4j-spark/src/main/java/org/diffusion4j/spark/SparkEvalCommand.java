package org.diffusion4j.spark;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import org.apache.spark.sql.SparkSession;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.data.IdxDatasets;
import org.diffusion4j.data.ImageSet;
import org.diffusion4j.data.Toy2d;
import org.diffusion4j.io.AtomicFiles;
import org.diffusion4j.train.ModelSource;
import org.diffusion4j.train.TrainedModel;
import org.diffusion4j.train.TrainingConfig;
import org.diffusion4j.train.TrainingData;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code d4j spark eval}: a sampler sweep measured on Spark, every cell in one job. */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measure a model on Spark: every --sampler × --nfe cell on the same N seeds, as one job.",
            "Fréchet distance (in the bundled classifier's feature space for images, in the samples' own coordinates "
                    + "for 2-D data) against the real set d4j eval uses, beside the real-vs-real floor; the "
                    + "classifier's accuracy on the classes asked for (conditional models); the NLL under the true "
                    + "density (mixtures).",
            "Statistics are exact sums over seed blocks: the numbers do not depend on --partitions."})
final class SparkEvalCommand implements Callable<Integer> {

    @Mixin
    ModelOptions model;

    @Option(names = "--sampler", paramLabel = "SPEC", defaultValue = "heun", split = ";",
            description = "Sampler spec; repeat (or separate with ;) for a sweep (default: ${DEFAULT-VALUE}).")
    List<String> samplers;

    @Option(names = "--nfe", required = true, paramLabel = "N", split = ",",
            description = "Model calls per sample; repeat or separate with commas for a sweep.")
    List<Integer> nfes;

    @Option(names = "--n", defaultValue = "10000", paramLabel = "N",
            description = "Samples per cell; at most half the reference data (default: ${DEFAULT-VALUE}).")
    int n;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S", description = "Seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--cfg-scale", defaultValue = "1", paramLabel = "W",
            description = "Classifier-free guidance scale (default: ${DEFAULT-VALUE}).")
    double guidance;

    @Option(names = "--reference", paramLabel = "DATA",
            description = "What a torchscript: model is measured against: mnist, fashion (from --data), gmm:NAME or "
                    + "gmm:FILE.json. Trained models use their own data, mixtures exact draws.")
    String reference;

    @Option(names = "--data", paramLabel = "DIR", defaultValue = "${env:D4J_DATA:-data}",
            description = "Where MNIST and Fashion-MNIST are, on the driver (default: $D4J_DATA or ./data).")
    Path dataDir;

    @Option(names = "--json", paramLabel = "FILE", description = "Write the measurements as JSON.")
    Path json;

    @Mixin
    SparkOptions spark;

    @Override
    public Integer call() {
        ModelSource source = model.source();
        List<Settings> cells = new ArrayList<>();
        for (String s : samplers) {
            for (int nfe : nfes) {
                cells.add(new Settings(s, null, nfe, guidance, null));
            }
        }
        SeedBlocks blocks = new SeedBlocks(seed, n, spark.block);
        Target target = target(source);
        SparkSession session = spark.session("d4j spark eval");
        List<SparkEvaluation.CellResult> results;
        int partitions;
        long started = System.nanoTime();
        try {
            partitions = spark.partitions(session, blocks.blocks().size() * cells.size());
            results = SparkEvaluation.run(session, source, cells, blocks, partitions, spark.taskThreads,
                    target.data(), target.measures());
        } finally {
            session.stop();
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        print(source, target, results, partitions, seconds);
        if (json != null) {
            AtomicFiles.writeString(json, json(source, results).toPrettyString() + "\n");
            System.out.println("wrote " + json);
        }
        return 0;
    }

    /** The reference data (on the driver) and how executors measure. */
    private record Target(ImageSet data, SparkEvaluation.Measures measures) {}

    private Target target(ModelSource source) {
        Consumer<String> notes = note -> System.err.println("d4j spark eval: " + note);
        if (source.mixture() != null) {
            if (reference != null) {
                throw new InvalidArgumentException("--reference is for torchscript: models; a mixture is measured "
                        + "against exact draws from itself");
            }
            return new Target(Toy2d.mixture(source.mixture(), Math.max(2 * n, 10_000), seed, source.model()),
                    new SparkEvaluation.Measures(null, source.model()));
        }
        if (source.model() != null && source.model().startsWith("torchscript:")) {
            if (reference == null) {
                throw new InvalidArgumentException("a torchscript: model names no data to be measured against; "
                        + "give --reference mnist, fashion, gmm:NAME or gmm:FILE.json");
            }
            if (reference.startsWith("gmm:")) {
                return new Target(Toy2d.mixture(ModelSource.mixture(reference), Math.max(2 * n, 10_000), seed,
                        reference), new SparkEvaluation.Measures(null, reference));
            }
            IdxDatasets.Kind kind = IdxDatasets.Kind.parse(reference);
            IdxDatasets.Loaded loaded = new IdxDatasets(dataDir, false).load(kind);
            loaded.notes().forEach(notes);
            return new Target(loaded.images(), new SparkEvaluation.Measures(kind.id(), null));
        }
        if (reference != null) {
            throw new InvalidArgumentException("--reference is for torchscript: models; a trained model is measured "
                    + "against the data it was trained on");
        }
        try (NDManager manager = Backend.newManager()) {
            TrainedModel trained = source.trained(manager);
            TrainingConfig config = trained.config();
            ImageSet data = TrainingData.load(config, dataDir, false, notes);
            boolean images = data.sampleShape().dimension() == 3;
            String mixture = config.data().source().equals("gmm") ? "gmm:" + config.data().path() : null;
            return new Target(data, new SparkEvaluation.Measures(images ? config.data().source() : null, mixture));
        }
    }

    private void print(ModelSource source, Target target, List<SparkEvaluation.CellResult> results, int partitions,
            double seconds) {
        System.out.printf(Locale.ROOT, "%s, %d samples per cell, %d cells in %d partitions, %.1f s%n",
                source.name(), n, results.size(), partitions, seconds);
        System.out.printf(Locale.ROOT, "%-28s %5s %5s %10s %10s %9s %9s%n", "sampler", "steps", "NFE", "Fréchet",
                "floor", "accuracy", "NLL");
        for (SparkEvaluation.CellResult r : results) {
            System.out.printf(Locale.ROOT, "%-28s %5d %5d %10.4f %10.4f %9s %9s%n", r.settings().sampler(),
                    r.steps(), r.evaluations(), r.frechet(), r.frechetFloor(), Double.isNaN(r.classAccuracy()) ? "-"
                            : String.format(Locale.ROOT, "%.4f", r.classAccuracy()), Double.isNaN(r.nll()) ? "-"
                            : String.format(Locale.ROOT, "%.4f", r.nll()));
        }
        if (target.measures().mixture() != null && !results.isEmpty()) {
            System.out.printf(Locale.ROOT, "NLL of real samples %.4f%n", results.get(0).nllFloor());
        }
    }

    private ObjectNode json(ModelSource source, List<SparkEvaluation.CellResult> results) {
        ObjectNode out = new ObjectMapper().createObjectNode();
        out.put("model", source.name());
        out.put("samples", n);
        out.put("seed", seed);
        out.put("cfg_scale", guidance);
        out.put("block_size", spark.block);
        ArrayNode cells = out.putArray("cells");
        for (SparkEvaluation.CellResult r : results) {
            ObjectNode c = cells.addObject();
            c.put("sampler", r.settings().sampler());
            c.put("nfe_budget", r.settings().nfe());
            c.put("steps", r.steps());
            c.put("nfe", r.evaluations());
            c.put("frechet", r.frechet());
            c.put("frechet_floor", r.frechetFloor());
            c.put("class_accuracy", r.classAccuracy());
            c.put("nll", r.nll());
            c.put("nll_floor", r.nllFloor());
        }
        return out;
    }
}
