package org.diffusion4j.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.diffusion4j.audio.AudioFeature;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.data.ImageSet;
import org.diffusion4j.data.SpokenDigits;
import org.diffusion4j.generate.Generation;
import org.diffusion4j.generate.GenerationRequest;
import org.diffusion4j.generate.Generator;
import org.diffusion4j.train.ClassifierTraining;
import org.junit.jupiter.api.Test;

/** The audio measures on synthetic digits, and a model that replays its training clips flagged as memorizing. */
class AudioEvaluationTest {

    @Test
    void nearestNeighboursAreExact() {
        double[][] b = {{1, 0}, {0, 2}, {3, 3}};
        assertArrayEquals(new double[] {1, Math.sqrt(0.5), 1}, AudioEvaluation.nearestCosine(new double[][] {{2, 0},
            {1, -1}, {0, 5}}, b), 1e-12);
        assertArrayEquals(new double[] {0, Math.sqrt(1 / 2.0), Math.sqrt((1 + 4) / 2.0)},
                AudioEvaluation.nearestDistance(new double[][] {{0, 2}, {2, 3}, {2, -2}}, b), 1e-12);
    }

    /**
     * The shipped spoken-digit classifier (99.5% on the 600 clips of the 12 test speakers, its sidecar says) recognises
     * every clip of the subset in the test resources: a training speaker's ten and an unseen test speaker's ten.
     */
    @Test
    void theBundledClassifierRecognisesHeldOutSpeakers() throws Exception {
        java.nio.file.Path subset = java.nio.file.Path.of(AudioEvaluationTest.class
                .getResource("/org/diffusion4j/spoken-digits/metadata.csv").toURI()).getParent();
        try (Classifier classifier = Classifier.bundled("spoken-digits")) {
            assertEquals(0.995, classifier.info().path("test_accuracy").asDouble());
            AudioFeature heard = AudioFeature.parse(classifier.info().path("audio_feature").asText());
            assertEquals(AudioFeature.parse(Classifier.AUDIO_FEATURE), heard);
            for (String split : List.of("train", "test")) {
                assertEquals(1.0, classifier.accuracy(SpokenDigits.features(subset, split, heard)), split);
            }
        }
    }

    /** Digit d: a tone of 200 + 100·d Hz (train at amplitude 0.3 and phase 0, test at 0.2 and another phase). */
    private static double[] tone(int digit, double amplitude, double phase, int length) {
        double[] x = new double[3000];
        for (int i = 0; i < x.length; i++) {
            x[i] = amplitude * Math.sin(2 * Math.PI * (200 + 100 * digit) * i / 8000.0 + phase);
        }
        return SpokenDigits.fit(x, length);
    }

    private static float[] clip(ImageSet set, int i) {
        return java.util.Arrays.copyOfRange(set.values(), i * set.sampleSize(), (i + 1) * set.sampleSize());
    }

    private static double meanSquare(float[] a, float[] b) {
        double sum = 0;
        for (int k = 0; k < a.length; k++) {
            sum += (a[k] - b[k]) * (double) (a[k] - b[k]);
        }
        return sum / a.length;
    }

    private static ImageSet set(AudioFeature feature, int copies, double amplitude, double phase) {
        int per = 32 * 32;
        float[] values = new float[10 * copies * per];
        int[] labels = new int[10 * copies];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i % 10;
            float[] image = feature.encode(tone(labels[i], amplitude * (1 + 0.05 * (i / 10)), phase, feature.length()));
            System.arraycopy(image, 0, values, i * per, per);
        }
        return new ImageSet(values, labels, new Shape(1, 32, 32), 10, "tones");
    }

    /**
     * A "model" that outputs, for digit d, the complex image of a training clip of d: its clips decode to the training
     * clips themselves, so every one is nearer a training clip than any test clip is and is recognised as well as the
     * training clips are.
     */
    @Test
    void aModelReplayingItsTrainingClipsIsFlagged() {
        AudioFeature mel = AudioFeature.parse("mel");
        AudioFeature complex = AudioFeature.parse("complex");
        ImageSet train = set(mel, 4, 0.3, 0);
        ImageSet test = set(mel, 2, 0.2, 1.0);
        try (NDManager manager = Backend.newManager();
                Classifier classifier = Classifier.trained(ClassifierTraining.train(train, test, 16, 60, 0, false,
                        "test", s -> { }), test)) {
            Generator replay = new Generator() {
                @Override
                public String kind() {
                    return "replay";
                }

                @Override
                public Shape sampleShape() {
                    return new Shape(2, 64, 64);
                }

                @Override
                public int classes() {
                    return 10;
                }

                @Override
                public List<String> samplers() {
                    return List.of("replay");
                }

                @Override
                public String defaultSampler() {
                    return "replay";
                }

                @Override
                public Generation generate(GenerationRequest request, NDManager m) {
                    int n = request.seeds().length;
                    float[] out = new float[n * 2 * 64 * 64];
                    for (int i = 0; i < n; i++) {
                        float[] image = complex.encode(tone(request.classes()[i], 0.3, 0, complex.length()));
                        System.arraycopy(image, 0, out, i * image.length, image.length);
                    }
                    return new Generation(m.create(out, new Shape(n, 2, 64, 64)), 1, 1, "replay");
                }
            };
            GenerationRequest request = GenerationRequest.builder(GenerationRequest.consecutiveSeeds(0, 20))
                    .sampler("replay").steps(1).build();
            int[] seen = new int[1];
            AudioEvaluation.Result r = AudioEvaluation.evaluate(replay, request, complex, classifier, mel, train,
                    test, manager, n -> seen[0] = n);
            assertEquals(20, seen[0]);
            assertEquals(20, r.clips());
            AudioEvaluation.Memorization m = r.memorization();
            assertEquals(1.0, m.embeddingGenerated(), 1e-4, "a replayed clip has its training clip's features");
            assertTrue(m.logMelGenerated() < 1e-3, "log-mel distance " + m.logMelGenerated());
            assertTrue(m.logMelTest() > 0.01, "test clips are other clips: " + m.logMelTest());
            assertEquals(1.0, m.logMelCloser());
            assertEquals(classifier.accuracy(train.slice(0, 10)), r.intelligibility(), 1e-12);
            assertEquals(classifier.info().path("test_accuracy").asDouble(), r.testAccuracy(), 1e-12);
            assertTrue(Double.isFinite(r.fad()) && Double.isFinite(r.fadFloor()));
            // clip i (digit i mod 10, the first training copy replayed) is matched with the (i/10)-th test clip of
            // its digit, the floor's training clip is the (i/10)-th copy of that digit
            double matched = 0;
            double floor = 0;
            for (int i = 0; i < 20; i++) {
                int d = i % 10;
                float[] spoken = clip(test, 10 * (i / 10 % 2) + d);
                matched += meanSquare(clip(train, d), spoken) / 20;
                floor += meanSquare(clip(train, 10 * (i / 10 % 4) + d), spoken) / 20;
            }
            assertEquals(matched, r.matchedMse(), 0.01 * matched, "the replayed clips against their matched ones");
            assertEquals(floor, r.matchedMseFloor(), 1e-9);
            assertTrue(matched > 1e-3 && floor > matched, matched + " " + floor);
            double[] nearest = r.nearest().generatedDistance().clone();
            java.util.Arrays.sort(nearest);
            assertEquals(20, nearest.length);
            assertEquals(m.logMelGenerated(), (nearest[9] + nearest[10]) / 2, 1e-12, "the figure's values");
            assertEquals(test.size(), r.nearest().testCosine().length);
        }
    }
}
