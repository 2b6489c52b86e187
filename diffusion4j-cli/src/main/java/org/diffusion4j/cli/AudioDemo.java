package org.diffusion4j.cli;

import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;
import org.diffusion4j.audio.AudioFeature;
import org.diffusion4j.audio.WavFiles;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.data.ImageSet;
import org.diffusion4j.data.SpokenDigits;
import org.diffusion4j.eval.AudioEvaluation;
import org.diffusion4j.eval.Classifier;
import org.diffusion4j.generate.GenerationRequest;
import org.diffusion4j.generate.Generator;
import org.diffusion4j.train.TrainedModel;

/**
 * The demo's audio section: the shipped text-to-speech model ({@code digits-tts-bridge}) says the ten digits with the
 * bridge's SDE and ODE samplers in {@value #STEPS} steps: a WAV with a player and the words' spectrograms per sampler,
 * then a table of how the bundled spoken-digit classifier hears {@code clips} clips per sampler (intelligibility)
 * and, when the spoken-digits set is found, their Fréchet audio distance to the test speakers beside its floor.
 */
final class AudioDemo {
    static final List<String> SAMPLERS = List.of("bridge-sde", "bridge-ode");
    static final int STEPS = 8;

    private final Path out;
    private final Path data;
    private final int clips;

    /**
     * @param out where the WAVs and pictures go
     * @param data where {@code spoken-digits/} may be (the FAD needs it; without it the table has intelligibility only)
     * @param clips clips per sampler in the table
     */
    AudioDemo(Path out, Path data, int clips) {
        this.out = out;
        this.data = data;
        this.clips = clips;
    }

    /** Progress steps of {@link #write}: one per clip of the table. */
    long steps() {
        return (long) SAMPLERS.size() * clips;
    }

    /** Appends the section to {@code html}; returns each sampler's intelligibility. */
    Map<String, Double> write(StringBuilder html, Progress progress) {
        Path digits = data.resolve("spoken-digits");
        boolean measured = Files.isDirectory(digits);
        html.append("<h2>Spoken digits: the shipped text-to-speech model</h2>\n<p>Bridge-TTS on log-mel images "
                + "(<code>--preset digits-tts-bridge</code>): a character encoder turns the word into a mel-shaped "
                + "prior and a Schrödinger bridge (g<sub>max</sub> schedule) carries it to the word's spectrogram, "
                + "decoded by Griffin–Lim. Each player says zero … nine, NFE " + STEPS + " per word.</p>\n");
        Map<String, Double> intelligibility = new LinkedHashMap<>();
        Map<String, AudioEvaluation.Result> results = new LinkedHashMap<>();
        Map<String, Long> evaluations = new LinkedHashMap<>();
        try (NDManager manager = Backend.newManager(); Classifier classifier = Classifier.bundled("spoken-digits")) {
            TrainedModel model = TrainedModel.bundled("digits-tts-bridge", manager);
            AudioFeature feature = model.config().data().audioFeature();
            AudioFeature heard = AudioFeature.parse(classifier.info().path("audio_feature").asText());
            ImageSet train = measured ? SpokenDigits.features(digits, "train", heard) : null;
            ImageSet test = measured ? SpokenDigits.features(digits, "test", heard) : null;
            Generator generator = model.generator();
            long done = 0;
            for (String sampler : SAMPLERS) {
                try (NDManager m = manager.newSubManager()) {
                    SpokenWords said = SpokenWords.say(model, IntStream.range(0, 10).boxed().toList(), 0, sampler,
                            STEPS, 1, 0.1, m);
                    WavFiles.write(out.resolve("tts-" + sampler + ".wav"), said.speech());
                    said.writeSpectrograms(out.resolve("tts-" + sampler + ".png"));
                    html.append(String.format(Locale.ROOT, "<figure><audio controls src=\"tts-%s.wav\"></audio><br>"
                            + "<img src=\"tts-%1$s.png\" width=\"1000\"><figcaption>%1$s, NFE %d per word</figcaption>"
                            + "</figure>%n", sampler, said.generation().evaluations()));
                    evaluations.put(sampler, said.generation().evaluations());
                    GenerationRequest request = GenerationRequest.builder(GenerationRequest.consecutiveSeeds(0, clips))
                            .sampler(sampler).steps(STEPS).build();
                    long offset = done;
                    if (measured) {
                        AudioEvaluation.Result r = AudioEvaluation.evaluate(generator, request, feature, classifier,
                                heard, train, test, m, k -> progress.skipTo(offset + k));
                        results.put(sampler, r);
                        intelligibility.put(sampler, r.intelligibility());
                    } else {
                        intelligibility.put(sampler, AudioEvaluation.hear(generator, request, feature, heard, m,
                                k -> progress.skipTo(offset + k)).intelligibility(classifier));
                    }
                    done += clips;
                }
            }
            table(html, evaluations, intelligibility, results, measured ? classifier.accuracy(test) : Double.NaN);
        }
        if (!measured) {
            html.append("<p>The Fréchet audio distance needs the spoken-digits set: <code>./d4j demo --data DIR</code> "
                    + "with <code>DIR/spoken-digits</code> (not found under <code>").append(data)
                    .append("</code>).</p>\n");
        }
        return intelligibility;
    }

    private void table(StringBuilder html, Map<String, Long> evaluations, Map<String, Double> intelligibility,
            Map<String, AudioEvaluation.Result> results, double testAccuracy) {
        html.append(String.format(Locale.ROOT, "<p>%d clips per sampler (clip i says digit i mod 10), heard by the "
                + "bundled spoken-digit classifier: intelligibility is the fraction recognised as their digit%s.</p>%n",
                clips, results.isEmpty() ? "" : String.format(Locale.ROOT, " (%.3f on the test speakers' clips); the "
                        + "Fréchet audio distance is to the test speakers' clips in the classifier's feature layer, "
                        + "its floor that of as many training clips (other speakers)", testAccuracy)));
        html.append("<table><tr><th>sampler</th><th>NFE</th><th>intelligibility</th>");
        if (!results.isEmpty()) {
            html.append("<th>FAD</th><th>FAD floor</th>");
        }
        html.append("</tr>\n");
        intelligibility.forEach((sampler, value) -> {
            html.append(String.format(Locale.ROOT, "<tr><td style=\"text-align:left\">%s</td><td>%d</td><td>%.3f</td>",
                    sampler, evaluations.get(sampler), value));
            AudioEvaluation.Result r = results.get(sampler);
            if (r != null) {
                html.append(String.format(Locale.ROOT, "<td>%.1f</td><td>%.1f</td>", r.fad(), r.fadFloor()));
            }
            html.append("</tr>\n");
        });
        html.append("</table>\n");
    }
}
