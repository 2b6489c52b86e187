package org.diffusion4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.data.ImageSet;
import org.diffusion4j.denoise.GaussianMixture;
import org.diffusion4j.denoise.MixtureSpec;
import org.diffusion4j.denoise.NetworkDenoiser;
import org.diffusion4j.eval.SlicedWasserstein;
import org.diffusion4j.grid.Grid;
import org.diffusion4j.grid.GridSpec;
import org.diffusion4j.nn.Network;
import org.diffusion4j.sample.SamplerRegistry;
import org.diffusion4j.sample.Sampling;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A few hundred steps of the toy-2d preset learn the eight-Gaussian mixture; sampling a run is deterministic. */
class ToyTrainingTest {

    @Test
    void toyTrainingApproachesTheData(@TempDir Path dir) {
        TrainingConfig config = Presets.named("toy-2d").withSteps(1000);
        ImageSet data = TrainingData.load(config, dir, false, note -> { });
        RunDirectory run = new RunDirectory(dir.resolve("run"));
        Trainer.train(config, data, run, false, new Trainer.Listener() { });
        GaussianMixture mixture = MixtureSpec.bundled("eight-gaussians");
        double[][] exact = mixture.sample(1000, new SplittableRandom(5));
        double[][] other = mixture.sample(1000, new SplittableRandom(6));
        double floor = SlicedWasserstein.distance(exact, other, 64, 1);
        try (NDManager m = Backend.newManager()) {
            double[][] untrained = points(sample(config, config.network().initialize(m, DataType.FLOAT32, 0), m, 0));
            Network network = config.network().load(run.readModel(m), m, DataType.FLOAT32, "model");
            double[] first = sample(config, network, m, 7);
            double trained = SlicedWasserstein.distance(points(first), exact, 64, 1);
            double before = SlicedWasserstein.distance(untrained, exact, 64, 1);
            assertTrue(trained < 0.2, "SWD after 1000 steps " + trained + " (untrained " + before + ", floor " + floor
                    + ")");
            assertTrue(trained < before / 3, "training helped: " + trained + " vs " + before);
            assertArrayEquals(first, sample(config, network, m, 7), 0, "same seed, same samples");
        }
    }

    private static double[] sample(TrainingConfig config, Network network, NDManager m, long seed) {
        Grid grid = new GridSpec.Karras(0.002, 80, 7).build(18, config.preconditioning().schedule(), true);
        long[] seeds = new long[1000];
        for (int i = 0; i < seeds.length; i++) {
            seeds[i] = seed * 100_000 + i;
        }
        NDArray x = Sampling.of(SamplerRegistry.create("heun"), NetworkDenoiser.unconditional(network,
                config.preconditioning()).edmView(), grid)
                .generate(seeds, new Shape(2), DataType.FLOAT32, m).samples();
        double[] out = x.toType(DataType.FLOAT64, false).toDoubleArray();
        x.close();
        return out;
    }

    private static double[][] points(double[] flat) {
        double[][] out = new double[flat.length / 2][];
        for (int i = 0; i < out.length; i++) {
            out[i] = new double[] {flat[2 * i], flat[2 * i + 1]};
        }
        return out;
    }
}
