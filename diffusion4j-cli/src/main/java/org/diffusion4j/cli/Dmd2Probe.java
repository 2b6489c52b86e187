package org.diffusion4j.cli;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.Map;
import org.diffusion4j.DiffusionException;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.data.ImageSet;
import org.diffusion4j.distill.Dmd2Distillation;
import org.diffusion4j.eval.Classifier;
import org.diffusion4j.eval.ModelEvaluation;
import org.diffusion4j.generate.GenerationRequest;
import org.diffusion4j.generate.Generator;
import org.diffusion4j.train.TrainingConfig;
import org.diffusion4j.train.TrainingData;

/**
 * The running quality measure of a DMD2 run: {@code d4j eval}'s Fréchet distance in the bundled classifier's
 * feature space for images, the sliced Wasserstein distance for 2-D data, of a fixed set of seeds against the
 * run's data.
 */
final class Dmd2Probe implements Dmd2Distillation.Probe, AutoCloseable {
    /** The probe's seeds start here, away from the seeds users sample with. */
    private static final long SEED = 50_000_000L;

    private final ImageSet data;
    private final Classifier classifier;
    private final int samples;

    private Dmd2Probe(ImageSet data, Classifier classifier, int samples) {
        this.data = data;
        this.classifier = classifier;
        this.samples = samples;
    }

    /**
     * The probe of the generator configured by {@code config}: its data from {@code dataDir}; notes on the data
     * (a split that is missing) go to {@code warnings}.
     */
    static Dmd2Probe of(TrainingConfig config, int samples, int every, Path dataDir,
            java.util.function.Consumer<String> warnings) {
        ImageSet data;
        try {
            data = TrainingData.load(config, dataDir, false, warnings);
        } catch (DiffusionException e) {
            throw new InvalidArgumentException("the probe (--probe-every " + every + ") measures the generator "
                    + "against the teacher's data, which cannot be loaded: " + e.getMessage() + "; give --data, or "
                    + "--probe-every 0 for a run without it");
        }
        Classifier classifier = data.sampleShape().dimension() == 3 ? Classifier.bundled(config.data().source())
                : null;
        return new Dmd2Probe(data, classifier, samples);
    }

    @Override
    public Map<String, Double> measure(Generator generator, NDManager manager) {
        ModelEvaluation.Result r = ModelEvaluation.evaluate(generator, GenerationRequest.builder(
                GenerationRequest.consecutiveSeeds(SEED, samples)).build(), new ModelEvaluation.Reference(data,
                classifier, null), manager, done -> { });
        return classifier != null ? Map.of("probe_fd", r.frechet()) : Map.of("probe_swd", r.swd());
    }

    @Override
    public void close() {
        if (classifier != null) {
            classifier.close();
        }
    }
}
