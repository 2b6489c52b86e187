package org.diffusion4j.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.diffusion4j.audio.AudioFeature;
import org.diffusion4j.data.IdxDatasets;
import org.diffusion4j.data.ImageSet;
import org.diffusion4j.data.SpokenDigits;
import org.diffusion4j.eval.Classifier;
import org.diffusion4j.io.OutputPaths;
import org.diffusion4j.train.ClassifierTraining;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code d4j train-classifier}: train the classifier whose features the Fréchet distance uses. */
@Command(name = "train-classifier", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train the MNIST, Fashion-MNIST or spoken-digit classifier that evaluation uses: its "
                + "predictions give the class accuracy of conditional samples (the intelligibility of generated "
                + "words), its feature layer the space of the Fréchet distance (audio: the Fréchet audio distance) "
                + "and precision/recall.",
            "Held out for the test accuracy: the t10k split when the training split is there too, else the last "
                    + "20%% of the images; for spoken digits, the test speakers (voices not heard in training), each "
                    + "clip as a 32 × 32 log-mel image (audio feature mel)."})
final class TrainClassifierCommand implements Callable<Integer> {

    @Option(names = "--dataset", required = true, paramLabel = "NAME",
            description = "mnist, fashion or spoken-digits.")
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
        ImageSet training;
        ImageSet held;
        String id;
        AudioFeature feature = null;
        if (dataset.equals("spoken-digits")) {
            id = dataset;
            feature = AudioFeature.parse(Classifier.AUDIO_FEATURE);
            Path dir = datasets.dir.resolve("spoken-digits");
            training = SpokenDigits.features(dir, "train", feature);
            held = SpokenDigits.features(dir, "test", feature);
        } else {
            IdxDatasets.Kind kind = IdxDatasets.Kind.parse(dataset);
            id = kind.id();
            IdxDatasets.Loaded loaded = new IdxDatasets(datasets.dir, datasets.download()).load(kind);
            loaded.notes().forEach(note -> System.err.println("d4j train-classifier: " + note));
            ImageSet all = loaded.images();
            int test = all.size() >= 50_000 ? 10_000 : all.size() / 5;
            training = all.slice(0, all.size() - test);
            held = all.slice(all.size() - test, all.size());
        }
        String command = "d4j train-classifier --dataset " + id + " --steps " + steps + " --features "
                + features + " --seed " + seed;
        Classifier classifier;
        try (Progress progress = new Progress("classifier", steps, quiet, System.err)) {
            ClassifierTraining.Result result = ClassifierTraining.train(training, held, features, steps, seed,
                    feature == null, command, s -> progress.step(""));
            if (feature != null) {
                result.info().put("audio_feature", feature.spec());
            }
            classifier = Classifier.trained(result, held);
        }
        try (classifier) {
            Path weights = out.resolve("classifier-" + id + ".safetensors");
            classifier.save(weights, out.resolve("classifier-" + id + ".json"));
            System.out.printf(Locale.ROOT, "test accuracy %.4f on %d held-out images → %s%n",
                    classifier.info().path("test_accuracy").asDouble(), held.size(), weights);
        }
        return 0;
    }
}
