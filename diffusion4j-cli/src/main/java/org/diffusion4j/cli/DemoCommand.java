package org.diffusion4j.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.data.ImageSet;
import org.diffusion4j.denoise.GaussianMixture;
import org.diffusion4j.denoise.MixtureSpec;
import org.diffusion4j.eval.Classifier;
import org.diffusion4j.eval.SlicedWasserstein;
import org.diffusion4j.generate.Budget;
import org.diffusion4j.generate.Generation;
import org.diffusion4j.generate.GenerationRequest;
import org.diffusion4j.generate.Generator;
import org.diffusion4j.io.AtomicFiles;
import org.diffusion4j.io.OutputPaths;
import org.diffusion4j.io.Previews;
import org.diffusion4j.sample.Sampler;
import org.diffusion4j.sample.SamplerRegistry;
import org.diffusion4j.train.Presets;
import org.diffusion4j.train.RunDirectory;
import org.diffusion4j.train.TrainedModel;
import org.diffusion4j.train.Trainer;
import org.diffusion4j.train.TrainingConfig;
import org.diffusion4j.train.TrainingData;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code d4j demo}: the tour in one command. Samples the shipped MNIST model with three samplers at three budgets, has
 * the shipped text-to-speech model say the digits ({@link AudioDemo}), trains the 2-D toy model, and writes an HTML
 * page with the grids, the players, the scatter plots, the tables and the loss curve.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Sample the shipped MNIST model with three samplers at three NFE budgets, have the shipped "
                + "text-to-speech model say the ten digits (WAVs, spectrograms, intelligibility, and the Fréchet "
                + "audio distance when --data has spoken-digits/), train the 2-D toy model, and "
                + "write DIR/index.html with the image grids, audio players, scatter plots, tables and the loss "
                + "curve."})
final class DemoCommand implements Callable<Integer> {
    private static final List<String> SAMPLERS = List.of("euler", "heun", "dpmpp-2m");
    private static final List<Integer> BUDGETS = List.of(10, 20, 35);

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "demo",
            description = "Where the report goes (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--toy-steps", paramLabel = "N", defaultValue = "3000",
            description = "Training steps of the toy model (default: ${DEFAULT-VALUE}).")
    long toySteps;

    @Option(names = "--data", paramLabel = "DIR", defaultValue = "${env:D4J_DATA:-data}",
            description = "Where spoken-digits/ is, for the audio section's Fréchet audio distance (default: $D4J_DATA "
                    + "or ./data; without it the section reports intelligibility only).")
    Path data;

    @Option(names = "--audio-clips", paramLabel = "N", defaultValue = "100",
            description = "Clips per sampler in the audio section's table (default: ${DEFAULT-VALUE}).")
    int audioClips;

    @Option(names = "--quiet", description = "No progress bars.")
    boolean quiet;

    private final StringBuilder html = new StringBuilder();

    @Override
    public Integer call() throws IOException {
        if (toySteps < 1) {
            throw new InvalidArgumentException("--toy-steps must be at least 1, got " + toySteps);
        }
        if (audioClips < 10 || audioClips > 1000) {
            throw new InvalidArgumentException("--audio-clips must be between 10 and 1000, got " + audioClips);
        }
        OutputPaths.requireWritableDirectory(out, "--out");
        Files.createDirectories(out);
        long started = System.nanoTime();
        html.append("<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>diffusion4j demo</title><style>")
                .append("body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}")
                .append("table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 10px;")
                .append("text-align:right}th{background:#f4f4f4}figure{display:inline-block;margin:8px;")
                .append("text-align:center}img{image-rendering:pixelated;border:1px solid #ddd}</style></head><body>\n")
                .append("<h1>diffusion4j demo</h1>\n");
        System.out.println("sampling the shipped MNIST model ...");
        try (Progress progress = new Progress("mnist", mnistSteps(), quiet, System.err)) {
            mnist(100, progress);
        }
        System.out.println("the shipped text-to-speech model says the digits ...");
        AudioDemo audio = new AudioDemo(out, data, audioClips);
        try (Progress progress = new Progress("audio", audio.steps(), quiet, System.err)) {
            audio.write(html, progress);
        }
        toy();
        html.append(String.format(Locale.ROOT, "<p>Generated by <code>./d4j demo</code> in %.0f s.</p>%n",
                (System.nanoTime() - started) / 1e9)).append("</body></html>\n");
        AtomicFiles.writeString(out.resolve("index.html"), html.toString());
        System.out.println("wrote " + out.resolve("index.html"));
        return 0;
    }

    /** The sampler steps of the MNIST phase: every sampler at every budget. */
    static long mnistSteps() {
        long steps = 0;
        for (String spec : SAMPLERS) {
            Sampler sampler = SamplerRegistry.create(spec);
            for (int budget : BUDGETS) {
                steps += Budget.nfe(budget).steps(n -> sampler.evaluations(n, true));
            }
        }
        return steps;
    }

    /**
     * Grids of {@code n} samples per sampler and budget from the shipped MNIST model (digit i / (n / 10) in row
     * order), and the classifier's accuracy on them; {@code progress} steps once per sampler step.
     */
    void mnist(int n, Progress progress) {
        html.append("<h2>MNIST: the shipped model</h2>\n<p>A class-conditional U-Net trained with EDM's "
                + "preconditioning (<code>--preset mnist-edm</code>); row k of each grid is digit k. The table gives the "
                + "fraction of the " + n + " samples the bundled classifier assigns to the class they were drawn "
                + "for.</p>\n");
        Map<String, Map<Integer, Double>> accuracy = new LinkedHashMap<>();
        try (NDManager manager = Backend.newManager(); Classifier classifier = Classifier.bundled("mnist")) {
            TrainedModel model = TrainedModel.bundled("mnist-edm", manager);
            int[] classes = new int[n];
            long[] seeds = new long[n];
            for (int i = 0; i < n; i++) {
                classes[i] = i * 10 / n;
                seeds[i] = i;
            }
            Generator generator = model.generator();
            for (String spec : SAMPLERS) {
                for (int budget : BUDGETS) {
                    try (NDManager m = manager.newSubManager()) {
                        String label = spec + ", NFE " + budget;
                        Generation result = generator.generate(GenerationRequest.builder(seeds).classes(classes)
                                .sampler(spec).nfe(budget).callback(info -> progress.step(label)).build(), m);
                        float[] values = result.samples().toFloatArray();
                        String file = "mnist-" + spec + "-" + result.evaluations() + ".png";
                        Previews.write(Previews.grid(values, n, 1, 28, 10, 2), out.resolve(file));
                        int[] predicted = classifier.predict(values, n);
                        int right = 0;
                        for (int i = 0; i < n; i++) {
                            right += predicted[i] == classes[i] ? 1 : 0;
                        }
                        accuracy.computeIfAbsent(spec, k -> new LinkedHashMap<>()).put(budget, right / (double) n);
                        html.append(String.format(Locale.ROOT, "<figure><img src=\"%s\" width=\"300\"><figcaption>"
                                + "%s, NFE %d</figcaption></figure>%n", file, spec, result.evaluations()));
                    }
                }
            }
        }
        html.append("<table><tr><th>sampler</th>");
        BUDGETS.forEach(b -> html.append("<th>NFE ≈ ").append(b).append("</th>"));
        html.append("</tr>\n");
        accuracy.forEach((spec, row) -> {
            html.append("<tr><td style=\"text-align:left\">").append(spec).append("</td>");
            row.values().forEach(a -> html.append(String.format(Locale.ROOT, "<td>%.2f</td>", a)));
            html.append("</tr>\n");
        });
        html.append("</table>\n");
    }

    /** Trains the 2-D toy model and compares samplers on it. */
    private void toy() throws IOException {
        System.out.println("training the 2-D toy model ...");
        TrainingConfig config = Presets.named("toy-2d").withSteps(toySteps);
        RunDirectory run = new RunDirectory(out.resolve("toy-run"));
        if (Files.exists(run.path())) {
            try (var files = Files.walk(run.path())) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        ImageSet data = TrainingData.load(config, out, false, note -> { });
        Trainer.Result trained;
        try (Progress progress = new Progress("toy", config.optimization().steps(), quiet, System.err)) {
            trained = Trainer.train(config, data, run, false, new Trainer.Listener() {
                @Override
                public void stepped(long step, double loss, double imagesPerSecond) {
                    progress.step(String.format(Locale.ROOT, "loss %.3f", loss));
                }
            });
        }
        List<double[]> curve = new ArrayList<>();
        for (JsonNode line : run.readMetrics()) {
            curve.add(new double[] {line.path("step").asDouble(), line.path("loss").asDouble()});
        }
        Charts.lines(out.resolve("toy-loss.png"), "toy-2d training loss", "step", "loss", Map.of("loss", curve),
                false);
        html.append("<h2>2-D toy: trained here</h2>\n").append(String.format(Locale.ROOT, "<p>The residual MLP of "
                + "<code>--preset toy-2d</code> on the bundled eight-Gaussian mixture, %d steps in %.0f s. Distances to "
                + "2000 exact draws; the floor is the distance between two exact sets.</p>%n", config.optimization()
                .steps(), trained.seconds()));
        html.append("<figure><img src=\"toy-loss.png\" width=\"520\"><figcaption>training loss</figcaption></figure>\n");
        GaussianMixture mixture = MixtureSpec.bundled("eight-gaussians");
        double[][] exact = mixture.sample(2000, new SplittableRandom(1));
        double floor = SlicedWasserstein.distance(exact, mixture.sample(2000, new SplittableRandom(2)), 128, 0);
        html.append("<table><tr><th>sampler</th><th>NFE</th><th>sliced Wasserstein</th><th>NLL</th></tr>\n");
        try (NDManager manager = Backend.newManager()) {
            TrainedModel model = TrainedModel.load(run.path(), manager);
            Generator generator = model.generator();
            long[] seeds = GenerationRequest.consecutiveSeeds(0, 2000);
            for (String spec : List.of("euler", "heun", "dpmpp-2m", "dpmpp-2m-sde")) {
                try (NDManager m = manager.newSubManager()) {
                    Generation result = generator.generate(GenerationRequest.builder(seeds).sampler(spec).nfe(20)
                            .dtype(DataType.FLOAT64).build(), m);
                    NDArray x = result.samples();
                    double[] flat = x.toDoubleArray();
                    double[][] points = new double[seeds.length][];
                    for (int i = 0; i < points.length; i++) {
                        points[i] = new double[] {flat[2 * i], flat[2 * i + 1]};
                    }
                    String file = "toy-" + spec + ".png";
                    Charts.scatter(out.resolve(file), spec + ", NFE " + result.evaluations(), flat);
                    double nll = -mixture.logDensity(x, 1, 0).mean().getDouble();
                    html.append(String.format(Locale.ROOT, "<tr><td style=\"text-align:left\">%s</td><td>%d</td>"
                            + "<td>%.4f</td><td>%.3f</td></tr>%n", spec, result.evaluations(),
                            SlicedWasserstein.distance(points, exact, 128, 0), nll));
                }
            }
            double exactNll = -mixture.logDensity(manager.create(flatten(exact), new Shape(2000, 2)), 1, 0).mean()
                    .getDouble();
            html.append(String.format(Locale.ROOT, "<tr><td style=\"text-align:left\">exact draws</td><td>—</td>"
                    + "<td>%.4f</td><td>%.3f</td></tr>%n</table>%n", floor, exactNll));
        }
        for (String spec : List.of("euler", "heun", "dpmpp-2m", "dpmpp-2m-sde")) {
            html.append(String.format(Locale.ROOT, "<figure><img src=\"toy-%s.png\" width=\"250\"></figure>%n", spec));
        }
    }

    private static double[] flatten(double[][] rows) {
        double[] out = new double[rows.length * 2];
        for (int i = 0; i < rows.length; i++) {
            out[2 * i] = rows[i][0];
            out[2 * i + 1] = rows[i][1];
        }
        return out;
    }
}
