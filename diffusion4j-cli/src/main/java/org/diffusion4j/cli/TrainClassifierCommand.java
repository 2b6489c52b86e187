package org.diffusion4j.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.diffusion4j.data.IdxDatasets;
import org.diffusion4j.data.ImageSet;
import org.diffusion4j.eval.Classifier;
import org.diffusion4j.io.OutputPaths;
import org.diffusion4j.train.ClassifierTraining;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code d4j train-classifier}: train the classifier whose features the Fréchet distance uses. */
@Command(name = "train-classifier", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train the MNIST or Fashion-MNIST classifier that evaluation uses: its predictions give the "
                + "class accuracy of conditional samples, its feature layer the space of the Fréchet distance and "
                + "precision/recall.",
            "Held out for the test accuracy: the t10k split when the training split is there too, else the last "
                    + "20%% of the images."})
final class TrainClassifierCommand implements Callable<Integer> {

    @Option(names = "--dataset", required = true, paramLabel = "NAME", description = "mnist or fashion.")
    String dataset;

    @Mixin
    DataOptions datasets;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "3000",
            description = "Training steps of batch 64 (default: ${DEFAULT-VALUE}).")
    long steps;

    @Option(names = "--features", paramLabel = "N", defaultValue = "128",
            description = "Width of the feature layer (default: ${DEFAULT-VALUE}).")
    int features;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "Seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = ".",
            description = "Where classifier-NAME.safetensors and .json go (default: the current directory).")
    Path out;

    @Option(names = "--quiet", description = "No progress bar.")
    boolean quiet;

    @Override
    public Integer call() {
        OutputPaths.requireWritableDirectory(out, "--out");
        IdxDatasets.Kind kind = IdxDatasets.Kind.parse(dataset);
        IdxDatasets.Loaded loaded = new IdxDatasets(datasets.dir, datasets.download()).load(kind);
        loaded.notes().forEach(note -> System.err.println("d4j train-classifier: " + note));
        ImageSet all = loaded.images();
        int test = all.size() >= 50_000 ? 10_000 : all.size() / 5;
        ImageSet training = all.slice(0, all.size() - test);
        ImageSet held = all.slice(all.size() - test, all.size());
        String command = "d4j train-classifier --dataset " + kind.id() + " --steps " + steps + " --features "
                + features + " --seed " + seed;
        Classifier classifier;
        try (Progress progress = new Progress("classifier", steps, quiet, System.err)) {
            classifier = Classifier.trained(ClassifierTraining.train(training, held, features, steps, seed, command,
                    s -> progress.step("")), held);
        }
        try (classifier) {
            Path weights = out.resolve("classifier-" + kind.id() + ".safetensors");
            classifier.save(weights, out.resolve("classifier-" + kind.id() + ".json"));
            System.out.printf(Locale.ROOT, "test accuracy %.4f on %d held-out images → %s%n",
                    classifier.info().path("test_accuracy").asDouble(), held.size(), weights);
        }
        return 0;
    }
}
