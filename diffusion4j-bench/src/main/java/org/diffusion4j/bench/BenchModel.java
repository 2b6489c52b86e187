package org.diffusion4j.bench;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.SplittableRandom;
import org.diffusion4j.data.ImageSet;
import org.diffusion4j.denoise.Denoiser;
import org.diffusion4j.denoise.NetworkDenoiser;
import org.diffusion4j.generate.GaussianGenerator;
import org.diffusion4j.generate.Generator;
import org.diffusion4j.grid.Grid;
import org.diffusion4j.grid.GridSpec;
import org.diffusion4j.nn.Network;
import org.diffusion4j.sample.SamplingContext;
import org.diffusion4j.train.Presets;
import org.diffusion4j.train.TrainedModel;
import org.diffusion4j.train.TrainingConfig;

/**
 * A network the speed measurements run: its training config, the denoiser samplers see (σ-space view) at a batch
 * size, and the Karras grid of its config.
 *
 * @param name what the tables call it
 * @param config the training config (network, preconditioning, optimizer)
 * @param network the network, float32
 * @param batch samples per call
 */
public record BenchModel(String name, TrainingConfig config, Network network, int batch) {

    /** The names {@link #named} knows. */
    public static final List<String> NAMES = List.of("unet", "mlp");

    /**
     * {@code unet}: the shipped MNIST U-Net (trained weights, class-conditional, one call per step);
     * {@code mlp}: the {@code toy-2d} residual MLP, initialized from {@code seed}.
     */
    public static BenchModel named(String name, int batch, NDManager manager, long seed) {
        return switch (name) {
            case "unet" -> {
                TrainedModel model = TrainedModel.bundled("mnist-edm", manager);
                yield new BenchModel("unet", model.config(), model.network(), batch);
            }
            case "mlp" -> {
                TrainingConfig config = Presets.named("toy-2d");
                yield new BenchModel("mlp", config, config.network().initialize(manager, DataType.FLOAT32, seed),
                        batch);
            }
            default -> throw new org.diffusion4j.UnknownNameException("bench model", name, NAMES);
        };
    }

    /** The σ-space denoiser of a batch: classes 0, 1, … for a conditional network, no guidance. */
    public Denoiser denoiser() {
        int classes = network.config().classes();
        if (classes == 0) {
            return NetworkDenoiser.unconditional(network, config.preconditioning()).edmView();
        }
        int[] labels = new int[batch];
        for (int i = 0; i < batch; i++) {
            labels[i] = i % classes;
        }
        return NetworkDenoiser.conditional(network, config.preconditioning(), labels, 1).edmView();
    }

    /** The config's Karras grid with {@code steps} levels and a final 0. */
    public Grid grid(int steps) {
        TrainingConfig.Sampling s = config.sampling();
        return new GridSpec.Karras(s.sigmaMin(), s.sigmaMax(), s.rho()).build(steps,
                config.preconditioning().schedule(), true);
    }

    /** The model as a generator over {@code denoiser} (this model's, or a wrapper of it), with its Karras grid. */
    public Generator generator(Denoiser denoiser) {
        TrainingConfig.Sampling s = config.sampling();
        return new GaussianGenerator((classes, guidance) -> denoiser, context(), sampleShape(), 0,
                new GridSpec.Karras(s.sigmaMin(), s.sigmaMax(), s.rho()), s.sampler());
    }

    /** What samplers need to know about the model's process. */
    public SamplingContext context() {
        return SamplingContext.of(config.preconditioning());
    }

    /** The shape of one sample. */
    public Shape sampleShape() {
        return new Shape(config.network().sampleShape().stream().mapToLong(Integer::longValue).toArray());
    }

    /** The shape of a batch. */
    public Shape batchShape() {
        return new Shape(batch).addAll(sampleShape());
    }

    /** {@code size} uniform samples in [−1, 1] with cycling labels: training speed does not depend on the data. */
    public ImageSet syntheticData(int size, long seed) {
        int per = (int) sampleShape().size();
        float[] values = new float[size * per];
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (2 * random.nextDouble() - 1);
        }
        int classes = network.config().classes();
        int[] labels = new int[size];
        for (int i = 0; i < size; i++) {
            labels[i] = classes == 0 ? 0 : i % classes;
        }
        return new ImageSet(values, labels, sampleShape(), classes, "synthetic " + name);
    }
}
