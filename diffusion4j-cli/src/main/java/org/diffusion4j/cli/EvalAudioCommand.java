package org.diffusion4j.cli;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.audio.AudioFeature;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.data.ImageSet;
import org.diffusion4j.data.SpokenDigits;
import org.diffusion4j.eval.AudioEvaluation;
import org.diffusion4j.eval.Classifier;
import org.diffusion4j.generate.GenerationRequest;
import org.diffusion4j.io.AtomicFiles;
import org.diffusion4j.io.FileAccessException;
import org.diffusion4j.io.OutputPaths;
import org.diffusion4j.train.RunDirectory;
import org.diffusion4j.train.TrainingConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code d4j eval-audio}: generate spoken digits with a trained audio model and measure the clips. */
@Command(name = "eval-audio", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Generate clips with a model trained on spoken digits (digit i mod 10 for clip i), decode "
                + "them to audio and measure what they sound like in the spoken-digit classifier's view.",
            "Fréchet audio distance (the Fréchet distance in the classifier's feature layer) to the test speakers' "
                    + "clips, beside its floor (as many training clips); intelligibility (the fraction recognised "
                    + "as their digit), beside the classifier's accuracy on the test clips; memorization: each "
                    + "clip's nearest training clip by feature cosine similarity and by log-mel distance, against "
                    + "the same for the test clips; the log-mel MSE of each clip to a test clip of its digit (the matched "
                    + "utterance), beside the same of a training clip."})
final class EvalAudioCommand implements Callable<Integer> {

    @Option(names = "--run", required = true, paramLabel = "RUN",
            description = "A run trained on spoken digits (data source spoken-digits).")
    Path run;

    @Option(names = "--sampler", paramLabel = "SPEC", defaultValue = "heun",
            description = "Sampler spec (default: ${DEFAULT-VALUE}).")
    String sampler;

    @Option(names = "--steps", required = true, paramLabel = "N", description = "Sampler steps.")
    int steps;

    @Option(names = "--n", defaultValue = "600", paramLabel = "N",
            description = "Clips to generate, at most half the training clips (default: ${DEFAULT-VALUE}, as many as "
                    + "the test speakers have).")
    int n;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S", description = "Seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--temperature", defaultValue = "1", paramLabel = "TAU",
            description = "Start from noise scaled by 1/TAU (Grad-TTS's temperature; a diffusion TTS decoder then "
                    + "starts from N(mu, I/TAU^2)); models that do not start from Gaussian noise take only 1 "
                    + "(default: ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--classifier", paramLabel = "FILE.safetensors",
            description = "A spoken-digit classifier from d4j train-classifier --dataset spoken-digits, its sidecar "
                    + "FILE.json beside it (default: the bundled one).")
    Path classifierFile;

    @Option(names = "--data", paramLabel = "DIR", defaultValue = "${env:D4J_DATA:-data}",
            description = "Where spoken-digits/ is (default: $D4J_DATA or ./data).")
    Path dataDir;

    @Option(names = "--json", paramLabel = "FILE", description = "Write the measurements as JSON.")
    Path json;

    @Option(names = "--figure", paramLabel = "FILE.png",
            description = "Draw the memorization figure: histograms of each clip's log-mel RMS distance to its "
                    + "nearest training clip, generated clips against test clips.")
    Path figure;

    @Option(names = "--quiet", description = "No progress bar.")
    boolean quiet;

    @Override
    public Integer call() {
        if (steps < 1 || n < 1) {
            throw new InvalidArgumentException("--steps and --n must be at least 1, got " + steps + " and " + n);
        }
        if (json != null) {
            OutputPaths.requireWritableFile(json, "--json");
        }
        if (figure != null) {
            if (!figure.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".png")) {
                throw new InvalidArgumentException("--figure " + figure + ": the figure is a .png");
            }
            OutputPaths.requireWritableFile(figure, "--figure");
        }
        TrainingConfig.Data data = TrainingConfig.read(new RunDirectory(run).config()).data();
        if (!data.source().equals("spoken-digits")) {
            throw new InvalidArgumentException(run + " trained on " + data.source() + "; eval-audio measures models "
                    + "of spoken digits (use d4j eval)");
        }
        AudioFeature feature = data.audioFeature();
        GenerationRequest request = GenerationRequest.builder(GenerationRequest.consecutiveSeeds(seed, n))
                .sampler(sampler).steps(steps).temperature(temperature).build();
        try (NDManager manager = Backend.newManager(); Classifier classifier = classifier()) {
            if (!classifier.info().has("audio_feature")) {
                throw new InvalidArgumentException("the classifier " + classifier.info().path("dataset").asText()
                        + " reads images, not clips (train one with --dataset spoken-digits)");
            }
            AudioFeature heard = AudioFeature.parse(classifier.info().path("audio_feature").asText());
            Path digits = dataDir.resolve("spoken-digits");
            ImageSet train = SpokenDigits.features(digits, "train", heard);
            ImageSet test = SpokenDigits.features(digits, "test", heard);
            Models.Loaded model = Models.load(null, run, null, manager);
            AudioEvaluation.Result r;
            try (Progress progress = new Progress("eval-audio", n, quiet, System.err)) {
                r = AudioEvaluation.evaluate(model.generator(), request, feature, classifier, heard, train, test,
                        manager, progress::skipTo);
            }
            AudioEvaluation.Memorization mem = r.memorization();
            System.out.printf(Locale.ROOT, "%s, %s %d steps (NFE %d per clip)%s, %d clips%n", model.name(), sampler,
                    r.steps(), r.evaluations(), temperature == 1 ? "" : ", temperature " + temperature, r.clips());
            System.out.printf(Locale.ROOT, "Fréchet audio distance %9.3f   (training vs test speakers %.3f)%n", r.fad(),
                    r.fadFloor());
            System.out.printf(Locale.ROOT, "intelligibility        %9.4f   (the classifier on test clips %.4f)%n",
                    r.intelligibility(), r.testAccuracy());
            System.out.printf(Locale.ROOT, "nearest training clip, feature cosine  %.4f (test clips %.4f); closer than "
                    + "any test clip: %.4f%n", mem.embeddingGenerated(), mem.embeddingTest(), mem.embeddingCloser());
            System.out.printf(Locale.ROOT, "nearest training clip, log-mel RMS     %.4f (test clips %.4f); closer than "
                    + "any test clip: %.4f%n", mem.logMelGenerated(), mem.logMelTest(), mem.logMelCloser());
            System.out.printf(Locale.ROOT, "log-mel MSE to the matched test clip   %.4f (a training clip of the same "
                    + "digit %.4f)%n", r.matchedMse(), r.matchedMseFloor());
            if (figure != null) {
                Map<String, double[]> series = new LinkedHashMap<>();
                series.put("generated clips (" + r.clips() + ")", r.nearest().generatedDistance());
                series.put("test clips (" + r.nearest().testDistance().length + ")", r.nearest().testDistance());
                Charts.histograms(figure, model.name() + ", " + sampler + " " + r.steps() + " steps: nearest training "
                        + "clip", "log-mel RMS distance to the nearest training clip", series, 40);
                System.out.println("wrote " + figure);
            }
            if (json != null) {
                ObjectNode out = TrainingConfig.JSON.valueToTree(r);
                out.put("model", run.toString());
                out.put("sampler", sampler);
                out.put("seed", seed);
                out.put("temperature", temperature);
                AtomicFiles.writeString(json, out.toPrettyString() + "\n");
                System.out.println("wrote " + json);
            }
        }
        return 0;
    }

    private Classifier classifier() {
        if (classifierFile == null) {
            return Classifier.bundled("spoken-digits");
        }
        String name = classifierFile.getFileName().toString();
        Path sidecar = classifierFile.resolveSibling(name.replaceFirst("\\.safetensors$", "") + ".json");
        if (!Files.isRegularFile(sidecar)) {
            throw FileAccessException.option("--classifier", classifierFile, "has no sidecar " + sidecar);
        }
        return Classifier.load(classifierFile, sidecar);
    }
}
