package org.diffusion4j.train;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.diffusion4j.DiffusionException;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.UnknownNameException;
import org.diffusion4j.denoise.NetworkDenoiser;
import org.diffusion4j.generate.Budget;
import org.diffusion4j.generate.BridgeGenerator;
import org.diffusion4j.generate.ConditionalGenerator;
import org.diffusion4j.generate.Generator;
import org.diffusion4j.generate.Generators;
import org.diffusion4j.generate.NonlinearGenerator;
import org.diffusion4j.generate.PhaseSpaceGenerator;
import org.diffusion4j.generate.PosteriorGenerator;
import org.diffusion4j.generate.RegressionGenerator;
import org.diffusion4j.generate.SpeechGenerator;
import org.diffusion4j.io.Safetensors;
import org.diffusion4j.nn.Network;
import org.diffusion4j.nn.SpeechNetwork;
import org.diffusion4j.nonlinear.NonlinearModel;
import org.diffusion4j.phase.PhaseSpaceModel;
import org.diffusion4j.restore.RestorationTask;

/**
 * A trained model ready to sample: a run's config and its EMA weights ({@code model.safetensors}). Models shipped
 * with diffusion4j are found by name ({@link #BUNDLED}).
 *
 * @param config the run's config
 * @param network the network with the EMA weights
 */
public record TrainedModel(TrainingConfig config, Network network) {
    /** Models shipped in the library's resources. */
    public static final List<String> BUNDLED = List.of("mnist-edm", "digits-tts-bridge");

    /** The model of run directory {@code dir}, weights in {@code manager}. */
    public static TrainedModel load(Path dir, NDManager manager) {
        RunDirectory run = new RunDirectory(dir);
        if (!Files.isRegularFile(run.model())) {
            throw new DiffusionException(dir + " holds no trained model (" + run.model().getFileName()
                    + " is missing)");
        }
        TrainingConfig config = TrainingConfig.read(run.config());
        Network network = config.network().load(run.readModel(manager), manager, DataType.FLOAT32,
                run.model().toString());
        return new TrainedModel(config, network);
    }

    /** A shipped model, by name, read straight from the library's resources (nothing is unpacked to disk). */
    public static TrainedModel bundled(String name, NDManager manager) {
        TrainingConfig config = bundledConfig(name);
        try (InputStream in = openBundled(name, "model.safetensors")) {
            String weights = "bundled:" + name + " model.safetensors";
            return new TrainedModel(config, config.network().load(Safetensors.read(in, weights, manager), manager,
                    DataType.FLOAT32, weights));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read bundled:" + name + " model.safetensors: " + e.getMessage(), e);
        }
    }

    /** The config of the shipped model {@code name}, without its weights. */
    public static TrainingConfig bundledConfig(String name) {
        String source = "bundled:" + name;
        try (InputStream in = openBundled(name, "config.json")) {
            return TrainingConfig.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), source + " config.json");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + source + " config.json: " + e.getMessage(), e);
        }
    }

    /** A file ({@code config.json}, {@code model.safetensors}) of the shipped model {@code name}, as shipped. */
    static InputStream openBundled(String name, String file) {
        if (!BUNDLED.contains(name)) {
            throw new UnknownNameException("bundled model", name, BUNDLED);
        }
        InputStream in = TrainedModel.class.getResourceAsStream("/org/diffusion4j/models/" + name + "/" + file);
        if (in == null) {
            throw new DiffusionException("model " + name + " is not bundled in this build");
        }
        return in;
    }

    /**
     * The model as a {@link Generator}: a non-linear-process generator for a run trained on one and a phase-space
     * generator for a run trained on a phase-space process (each with its preview sampler as the default), otherwise a
     * Gaussian one over every sampler its process takes, with its preview sampler and grid as defaults; a distilled
     * model also samples at its own step count by default.
     */
    public Generator generator() {
        Shape shape = new Shape(config.data().sampleShape().stream().mapToLong(Integer::longValue).toArray());
        TrainingConfig.Sampling preview = config.sampling();
        if (config.nonlinear() != null) {
            return new NonlinearGenerator(new NonlinearModel(config.nonlinear(), network), shape, preview.sampler());
        }
        if (config.bridge() != null) {
            return new BridgeGenerator(config.bridge(), network, shape, preview.sampler());
        }
        if (config.speech() != null) {
            return new SpeechGenerator(config.speech(), (SpeechNetwork) network, config.preconditioning(), shape,
                    preview.gridSpec(), preview.sampler());
        }
        if (config.restoration() != null) {
            return config.restoration().regression() ? new RegressionGenerator(config.restoration(), network, shape)
                    : new ConditionalGenerator(config.restoration(), network, config.preconditioning(), shape,
                            preview.gridSpec(), preview.sampler());
        }
        if (config.phaseSpace() != null) {
            return new PhaseSpaceGenerator(new PhaseSpaceModel(config.phaseSpace(), network,
                    config.preconditioning()), shape, preview.sampler());
        }
        return Generators.network(network, config.preconditioning(), shape, preview.gridSpec(), preview.sampler(),
                config.distillation() != null ? Budget.steps(preview.steps()) : null);
    }

    /**
     * The model as an unconditional prior for zero-shot posterior sampling of {@code task} ({@link PosteriorGenerator}:
     * DPS, DDRM), for a model of a Gaussian process that samples unconditionally (its null class for a
     * class-conditional one).
     */
    public Generator zeroShot(RestorationTask task) {
        String why = config.notGaussian();
        if (why != null || config.distillation() != null) {
            throw new InvalidArgumentException(config.name() + " " + (why != null ? why : "is distilled")
                    + "; zero-shot restoration needs a denoiser of every noise level of a Gaussian process");
        }
        Shape shape = new Shape(config.data().sampleShape().stream().mapToLong(Integer::longValue).toArray());
        return new PosteriorGenerator(task, denoiser().edmView(), config.preconditioning().schedule(), shape);
    }

    /** The unconditional denoiser (the null class for a conditional network). */
    public NetworkDenoiser denoiser() {
        return NetworkDenoiser.unconditional(network, config.preconditioning());
    }

    /** Sample i of class {@code classes[i]}, classifier-free guidance scale {@code guidance}. */
    public NetworkDenoiser denoiser(int[] classes, double guidance) {
        return NetworkDenoiser.conditional(network, config.preconditioning(), classes, guidance);
    }
}
