package org.diffusion4j.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.diffusion4j.data.ImageSet;
import org.diffusion4j.train.RunDirectory;
import org.diffusion4j.train.Trainer;
import org.diffusion4j.train.TrainingConfig;

/**
 * The real training loop ({@link Trainer}) on synthetic data in a temporary run directory, with no checkpoints,
 * previews or metrics before the end: what a timed training step measures.
 */
public final class ThrowawayRun {
    private ThrowawayRun() {}

    /** Trains {@code model}'s config for {@code steps} steps from {@code seed}, then deletes the run. */
    public static void train(BenchModel model, long seed, int steps, Trainer.Listener listener) {
        TrainingConfig c = model.config();
        TrainingConfig.Optimization o = c.optimization();
        TrainingConfig.Optimization quiet = new TrainingConfig.Optimization(o.batch(), steps, o.learningRate(),
                o.warmupSteps(), o.beta1(), o.beta2(), o.epsilon(), o.weightDecay(), o.gradientClip(),
                o.emaHalfLifeImages(), o.emaRampUp(), o.classDropout(), seed, Integer.MAX_VALUE, 0,
                Integer.MAX_VALUE);
        TrainingConfig config = new TrainingConfig(c.name(), c.data(), c.network(), c.preconditioning(), c.time(),
                quiet, c.sampling(), c.lossWeight());
        ImageSet data = model.syntheticData(Math.max(1024, 4 * o.batch()), seed);
        Path dir = null;
        try {
            dir = Files.createTempDirectory("d4j-bench-run");
            Trainer.train(config, data, new RunDirectory(dir), false, listener);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            delete(dir);
        }
    }

    private static void delete(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException("could not remove the benchmark's temporary run " + dir, e);
        }
    }
}
