package org.diffusion4j.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.ShapeMismatchException;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.denoise.Denoiser;
import org.diffusion4j.denoise.GaussianMixture;
import org.diffusion4j.denoise.GaussianMixtureDenoiser;
import org.diffusion4j.grid.Grid;
import org.diffusion4j.io.ArrayFiles;
import org.diffusion4j.process.NoiseSchedule;
import org.diffusion4j.process.Schedules;
import org.diffusion4j.sample.NoiseKind;
import org.diffusion4j.sample.NoiseSource;
import org.diffusion4j.sample.Sampler;
import org.diffusion4j.sample.SamplerRegistry;
import org.diffusion4j.sample.Sampling;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code d4j sample}: run a sampler on a model and write the samples. */
@Command(name = "sample", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run a sampler on a model and write the samples.",
            "The start is σ_max·z for z standard normal, drawn per sample from --seed, --seed+1, …; "
                    + "or given by --init, already scaled (as k-diffusion's x = sigmas[0]·randn).",
            "Output format follows the extension: .npy, .npz, .csv, or .png (scatter plot, 2-D only)."})
final class SampleCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "MODEL",
            description = "gmm:FILE.json (a Gaussian-mixture spec) or gmm:NAME (bundled: eight-gaussians, "
                    + "two-gaussians-1d); the exact denoiser of the mixture is used.")
    String model;

    @Option(names = "--sampler", required = true, paramLabel = "SPEC",
            description = "Sampler name with optional options, e.g. heun, dpmpp-2m-sde:eta=0.5,solver=heun, "
                    + "euler:s_churn=40,s_tmin=0.05,s_tmax=50,s_noise=1.003. Known: ${COMPLETION-CANDIDATES}.",
            completionCandidates = SamplerNames.class)
    String sampler;

    @Option(names = "--steps", required = true, paramLabel = "N", description = "Number of sampler steps.")
    int steps;

    @Mixin
    GridOptions grid;

    @Option(names = "--process", paramLabel = "NAME", defaultValue = "edm",
            description = "The Gaussian process the model is seen through: edm, ve, vp, vp-cosine, linear, gvp, "
                    + "ddpm-linear, ddpm-scaled-linear, ddpm-cosine (default: ${DEFAULT-VALUE}).")
    String process;

    @ArgGroup(exclusive = true)
    Start start = new Start();

    static final class Start {
        @Option(names = "--init", paramLabel = "INIT.npy",
                description = "Start from these states (batch first), already multiplied by σ_max.")
        Path init;

        @Option(names = "--n", paramLabel = "N", defaultValue = "64",
                description = "Number of samples to draw (default: ${DEFAULT-VALUE}).")
        int n = 64;
    }

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0",
            description = "Seed of the first sample; sample i uses S + i for its start and noise "
                    + "(default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--noise", paramLabel = "KIND",
            description = "Noise of stochastic steps: gaussian or brownian (default: the sampler's, brownian for "
                    + "the SDE samplers as in k-diffusion).")
    String noise;

    @Option(names = "--dtype", paramLabel = "TYPE", defaultValue = "float32",
            description = "float32 or float64 (default: ${DEFAULT-VALUE}).")
    String dtype;

    @Option(names = "--out", required = true, paramLabel = "FILE",
            description = "Where to write the samples (.npy, .npz, .csv or .png).")
    Path out;

    @Option(names = "--quiet", description = "No progress bar.")
    boolean quiet;

    @Override
    public Integer call() {
        String format = ArrayFiles.extension(out);
        if (!java.util.List.of("npy", "npz", "csv", "png").contains(format)) {
            throw new InvalidArgumentException("--out " + out + ": unknown format '." + format
                    + "'; expected .npy, .npz, .csv or .png");
        }
        if (steps < 1) {
            throw new InvalidArgumentException("--steps must be at least 1, got " + steps);
        }
        GaussianMixture mixture = Models.mixture(model);
        NoiseSchedule schedule = Schedules.byName(process);
        Sampler chosen = SamplerRegistry.create(sampler);
        Grid levels = grid.build(steps, schedule);
        DataType type = DataTypes.parse(dtype);
        NoiseKind kind = noise == null ? null : DataTypes.noiseKind(noise);
        Denoiser denoiser = new GaussianMixtureDenoiser(mixture, schedule).edmView();
        long started = System.nanoTime();
        try (NDManager manager = Backend.newManager();
                Progress progress = new Progress(chosen.name(), levels.steps(), quiet, System.err)) {
            Sampling.Result result;
            if (start.init != null) {
                NDArray init = ArrayFiles.read(start.init, manager).toType(type, false);
                checkInit(init, mixture);
                NoiseSource source = Sampling.seededNoise(chosen, kind, seeds((int) init.getShape().get(0)), levels);
                result = Sampling.run(chosen, denoiser, init, levels, source,
                        info -> progress.step(String.format("σ %.4g", info.sigma())));
            } else {
                if (start.n < 1) {
                    throw new InvalidArgumentException("--n must be at least 1, got " + start.n);
                }
                result = Sampling.generate(chosen, denoiser, levels, manager, new Shape(mixture.dimension()), type,
                        seeds(start.n), kind, info -> progress.step(String.format("σ %.4g", info.sigma())));
            }
            progress.close();
            write(result.samples(), mixture);
            System.out.printf("%s: %d samples, %d steps, NFE %d, %.2f s → %s%n", chosen.name(),
                    result.samples().getShape().get(0), levels.steps(), result.evaluations(),
                    (System.nanoTime() - started) / 1e9, out);
        }
        return 0;
    }

    private long[] seeds(int n) {
        long[] seeds = new long[n];
        for (int i = 0; i < n; i++) {
            seeds[i] = seed + i;
        }
        return seeds;
    }

    private void checkInit(NDArray init, GaussianMixture mixture) {
        Shape shape = init.getShape();
        long perSample = shape.dimension() < 2 ? -1 : shape.size() / shape.get(0);
        if (perSample != mixture.dimension()) {
            throw new ShapeMismatchException("--init " + start.init + " has shape " + shape + " but " + model
                    + " has dimension " + mixture.dimension() + "; expected shape (N, " + mixture.dimension() + ")");
        }
    }

    private void write(NDArray samples, GaussianMixture mixture) {
        if (ArrayFiles.extension(out).equals("png")) {
            if (mixture.dimension() != 2) {
                throw new InvalidArgumentException("a .png scatter plot needs 2-D samples; these have "
                        + mixture.dimension() + " values each (write .npy, .npz or .csv instead)");
            }
            Charts.scatter(out, sampler + ", " + steps + " steps", samples.toType(DataType.FLOAT64, false)
                    .toDoubleArray());
        } else {
            ArrayFiles.write(out, samples);
        }
    }
}
