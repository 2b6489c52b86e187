package org.diffusion4j.eval;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntConsumer;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.audio.AudioFeature;
import org.diffusion4j.data.ImageSet;
import org.diffusion4j.generate.Generation;
import org.diffusion4j.generate.GenerationRequest;
import org.diffusion4j.generate.Generator;

/**
 * Measures an audio model by what its clips sound like: each generated image is decoded to a clip by the model's
 * {@link AudioFeature} and encoded again as the classifier reads clips, then the Fréchet audio distance (the Fréchet
 * distance in the spoken-digit classifier's feature layer) to the held-out test speakers' clips, beside its floor (as
 * many training clips, drawn by a permutation, against the same test clips), the intelligibility (the fraction of clips the classifier
 * assigns to the digit they were drawn for, beside its accuracy on the test clips), and EDMSound's memorization
 * concern: each clip's similarity to its nearest training clip against the same for the test clips.
 */
public final class AudioEvaluation {
    private AudioEvaluation() {}

    /**
     * The measurements.
     *
     * @param clips generated clips
     * @param evaluations model calls per clip
     * @param steps sampler steps
     * @param fad Fréchet audio distance of the generated clips to the test clips
     * @param fadFloor the same of as many training clips (other speakers, real speech)
     * @param intelligibility fraction of generated clips recognised as their digit
     * @param testAccuracy the classifier's accuracy on the test clips
     * @param memorization nearest-training-clip similarities
     * @param matchedMse mean squared difference between each generated clip's log-mel image (the classifier's
     *     feature, from the decoded audio) and its matched test clip's: clip i of digit d is matched with the
     *     ⌊i/10⌋-th test clip of d (cycling)
     * @param matchedMseFloor the same between the ⌊i/10⌋-th training clip of d (cycling) and the same test clip: real
     *     speech of the same word by another speaker
     * @param nearest each clip's nearest-training similarities, whose summaries {@code memorization} holds
     */
    public record Result(int clips, long evaluations, int steps, double fad, double fadFloor, double intelligibility,
            double testAccuracy, Memorization memorization, double matchedMse, double matchedMseFloor,
            Nearest nearest) {}

    /**
     * Per clip, the similarity to its nearest training clip: the cosine of classifier features and the log-mel RMS
     * distance, for the generated clips and for the test clips (what the memorization figure draws).
     */
    public record Nearest(double[] generatedCosine, double[] testCosine, double[] generatedDistance,
            double[] testDistance) {}

    /**
     * How close clips come to the training set: for each clip, its nearest training clip by the cosine similarity of
     * the classifier's features and by the RMS distance between log-mel images; medians over the generated clips and
     * over the test clips, and the fraction of generated clips closer to a training clip than any test clip is.
     *
     * @param embeddingGenerated median nearest-training cosine similarity of the generated clips
     * @param embeddingTest the same of the test clips
     * @param embeddingCloser fraction of generated clips more similar than the most similar test clip
     * @param logMelGenerated median nearest-training log-mel RMS distance of the generated clips
     * @param logMelTest the same of the test clips
     * @param logMelCloser fraction of generated clips nearer than the nearest test clip
     */
    public record Memorization(double embeddingGenerated, double embeddingTest, double embeddingCloser,
            double logMelGenerated, double logMelTest, double logMelCloser) {}

    /**
     * Generated clips as the classifier hears them: clip i is digit i mod 10, decoded to audio and encoded again in
     * the classifier's feature.
     *
     * @param clips the clips in the classifier's feature, one after another
     * @param digits the digit each clip was drawn for
     * @param evaluations model calls per clip
     * @param steps sampler steps
     */
    public record Heard(float[] clips, int[] digits, long evaluations, int steps) {

        /** The fraction of the clips {@code classifier} recognises as the digit they were drawn for. */
        public double intelligibility(Classifier classifier) {
            int[] predicted = classifier.predict(clips, digits.length);
            int right = 0;
            for (int i = 0; i < digits.length; i++) {
                right += predicted[i] == digits[i] ? 1 : 0;
            }
            return (double) right / digits.length;
        }
    }

    /**
     * Generates one clip per seed of {@code request} (clip i of digit i mod 10) with {@code generator}, in batches of
     * 100, decodes each with {@code feature} (Griffin–Lim seeded by the clip's seed) and encodes it in
     * {@code classifierFeature}; {@code progress} gets the clips done after each batch.
     */
    public static Heard hear(Generator generator, GenerationRequest request, AudioFeature feature,
            AudioFeature classifierFeature, NDManager manager, IntConsumer progress) {
        int n = request.seeds().length;
        if (generator.classes() != 10) {
            throw new InvalidArgumentException("an audio model is measured digit by digit: it must be conditioned on "
                    + "the 10 digits, got " + generator.classes() + " classes");
        }
        List<Integer> shape = feature.shape();
        int per = shape.get(0) * shape.get(1) * shape.get(2);
        List<Integer> heardShape = classifierFeature.shape();
        int classifierPer = heardShape.get(0) * heardShape.get(1) * heardShape.get(2);
        float[] generated = new float[n * classifierPer];
        int[] labels = new int[n];
        long evaluations = 0;
        int steps = 0;
        int batch = 100;
        for (int from = 0; from < n; from += batch) {
            int to = Math.min(n, from + batch);
            int[] classOf = new int[to - from];
            for (int i = from; i < to; i++) {
                labels[i] = i % 10;
                classOf[i - from] = labels[i];
            }
            try (NDManager m = manager.newSubManager()) {
                Generation result = generator.generate(request.forSamples(Arrays.copyOfRange(request.seeds(), from,
                        to), classOf), m);
                float[] images = result.samples().toType(DataType.FLOAT32, false).toFloatArray();
                for (int i = from; i < to; i++) {
                    double[] clip = feature.decode(Arrays.copyOfRange(images, (i - from) * per, (i - from + 1) * per),
                            request.seeds()[i]);
                    System.arraycopy(classifierFeature.encode(clip), 0, generated, i * classifierPer, classifierPer);
                }
                evaluations = result.evaluations();
                steps = result.steps();
            }
            progress.accept(to);
        }
        return new Heard(generated, labels, evaluations, steps);
    }

    /**
     * Generates and hears the clips of {@code request} ({@link #hear}) and measures them against {@code train} and
     * {@code test}, both already in the classifier's feature.
     */
    public static Result evaluate(Generator generator, GenerationRequest request, AudioFeature feature,
            Classifier classifier, AudioFeature classifierFeature, ImageSet train, ImageSet test, NDManager manager,
            IntConsumer progress) {
        int n = request.seeds().length;
        if (2 * n > train.size()) {
            throw new InvalidArgumentException("the floor draws as many training clips as generated ones from a "
                    + "permutation of the training set: ask for at most " + train.size() / 2 + " clips, got " + n);
        }
        Heard heard = hear(generator, request, feature, classifierFeature, manager, progress);
        float[] generated = heard.clips();
        int[] labels = heard.digits();
        int classifierPer = train.sampleSize();
        float[] floorClips = ModelEvaluation.realSets(train, n, request.seeds()[0]).a();
        double[][] fGenerated = classifier.features(generated, n);
        double[][] fTest = classifier.features(test.values(), test.size());
        double[][] fTrain = classifier.features(train.values(), train.size());
        double[][] mGenerated = ModelEvaluation.rows(generated, classifierPer);
        double[][] mTest = ModelEvaluation.rows(test.values(), classifierPer);
        double[][] mTrain = ModelEvaluation.rows(train.values(), classifierPer);
        double[] eGenerated = nearestCosine(fGenerated, fTrain);
        double[] eTest = nearestCosine(fTest, fTrain);
        double[] dGenerated = nearestDistance(mGenerated, mTrain);
        double[] dTest = nearestDistance(mTest, mTrain);
        double mostSimilarTest = Arrays.stream(eTest).max().orElseThrow();
        double nearestTest = Arrays.stream(dTest).min().orElseThrow();
        Memorization memorization = new Memorization(median(eGenerated), median(eTest),
                Arrays.stream(eGenerated).filter(c -> c > mostSimilarTest).count() / (double) n,
                median(dGenerated), median(dTest),
                Arrays.stream(dGenerated).filter(d -> d < nearestTest).count() / (double) n);
        double matched = 0;
        double matchedFloor = 0;
        for (int i = 0; i < n; i++) {
            double[] spoken = mTest[nthOf(test.labels(), labels[i], i / 10)];
            matched += meanSquare(mGenerated[i], spoken);
            matchedFloor += meanSquare(mTrain[nthOf(train.labels(), labels[i], i / 10)], spoken);
        }
        return new Result(n, heard.evaluations(), heard.steps(), FrechetDistance.between(fTest, fGenerated),
                FrechetDistance.between(fTest, classifier.features(floorClips, n)), heard.intelligibility(classifier),
                classifier.accuracy(test), memorization, matched / n, matchedFloor / n,
                new Nearest(eGenerated, eTest, dGenerated, dTest));
    }

    /** The index of the k-th (cycling) item labelled {@code label}. */
    static int nthOf(int[] labels, int label, int k) {
        int[] of = java.util.stream.IntStream.range(0, labels.length).filter(j -> labels[j] == label).toArray();
        if (of.length == 0) {
            throw new InvalidArgumentException("no clip of digit " + label + " to match");
        }
        return of[k % of.length];
    }

    private static double meanSquare(double[] a, double[] b) {
        double sum = 0;
        for (int k = 0; k < a.length; k++) {
            double d = a[k] - b[k];
            sum += d * d;
        }
        return sum / a.length;
    }

    /** For each row of {@code a}, the largest cosine similarity to a row of {@code b}. */
    static double[] nearestCosine(double[][] a, double[][] b) {
        double[] normB = new double[b.length];
        for (int j = 0; j < b.length; j++) {
            normB[j] = Math.sqrt(dot(b[j], b[j]));
        }
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            double norm = Math.sqrt(dot(a[i], a[i]));
            double best = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < b.length; j++) {
                best = Math.max(best, dot(a[i], b[j]) / (norm * normB[j]));
            }
            out[i] = best;
        }
        return out;
    }

    /** For each row of {@code a}, the smallest RMS distance to a row of {@code b}. */
    static double[] nearestDistance(double[][] a, double[][] b) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            double best = Double.POSITIVE_INFINITY;
            for (double[] row : b) {
                best = Math.min(best, meanSquare(a[i], row));
            }
            out[i] = Math.sqrt(best);
        }
        return out;
    }

    private static double median(double[] x) {
        double[] sorted = x.clone();
        Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    private static double dot(double[] a, double[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }
}
