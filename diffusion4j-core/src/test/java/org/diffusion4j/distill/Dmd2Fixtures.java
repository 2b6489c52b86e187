package org.diffusion4j.distill;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Path;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.io.Safetensors;
import org.diffusion4j.nn.NetworkConfig;
import org.diffusion4j.train.Presets;
import org.diffusion4j.train.RunDirectory;
import org.diffusion4j.train.TrainingConfig;

/** Small DMD2 set-ups: a tiny untrained MLP run on eight-gaussians to start from, and plans over it. */
final class Dmd2Fixtures {
    private Dmd2Fixtures() {}

    /** The tiny MLP of the tests (width 16, one block). */
    static final NetworkConfig.Mlp MLP = new NetworkConfig.Mlp(2, 16, 1, 8, 0);

    /** A run directory holding toy-2d's config with the tiny MLP and its freshly initialized weights. */
    static Path initRun(Path dir) {
        TrainingConfig toy = Presets.named("toy-2d");
        TrainingConfig config = new TrainingConfig("tiny", toy.data(), MLP, toy.preconditioning(), toy.time(),
                toy.optimization(), toy.sampling(), toy.lossWeight(), null, null, null);
        RunDirectory run = new RunDirectory(dir);
        config.write(run.config());
        try (NDManager m = Backend.newManager()) {
            Safetensors.write(run.model(), MLP.initialize(m, DataType.FLOAT32, 11).weights().all());
        }
        return dir;
    }

    /** A plan over {@code init}: two generator levels, two critic updates, GAN weight 0.1, twelve updates. */
    static Dmd2Plan plan(Path init, boolean backwardSimulation, double ganWeight) {
        return new Dmd2Plan("gmm:eight-gaussians", init.toString(), 2, 2, ganWeight, 1e-2, backwardSimulation, 1, 12,
                32, 1e-3, 1e-3, 3, 0.01, 10, 5, 4, 2, 0, 0, 64);
    }
}
