package org.diffusion4j.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.IntUnaryOperator;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.ShapeMismatchException;
import org.diffusion4j.audio.Audio;
import org.diffusion4j.audio.AudioFeature;
import org.diffusion4j.audio.WavFiles;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.generate.Batches;
import org.diffusion4j.generate.Generation;
import org.diffusion4j.generate.GenerationRequest;
import org.diffusion4j.generate.Generator;
import org.diffusion4j.grid.GridSpec;
import org.diffusion4j.io.ArrayFiles;
import org.diffusion4j.io.FileAccessException;
import org.diffusion4j.io.OutputPaths;
import org.diffusion4j.io.Previews;
import org.diffusion4j.sample.NoiseKind;
import org.diffusion4j.sample.Sampler;
import org.diffusion4j.train.ModelSource;
import org.diffusion4j.train.TrainingConfig;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code d4j sample}: run a sampler on a model and write the samples. */
@Command(name = "sample", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run a sampler on a model and write the samples.",
            "The start is σ_max·z for z standard normal, drawn per sample from --seed, --seed+1, …; "
                    + "or given by --init, already scaled (as k-diffusion's x = sigmas[0]·randn).",
            "Output format follows the extension: .npy, .npz, .csv, .png (a grid of images, or a scatter plot "
                    + "of 2-D samples), or .wav for a run trained on audio (its spectrogram images decoded to clips; "
                    + "several samples go to numbered files NAME-0.wav, NAME-1.wav, …)."})
final class SampleCommand implements Callable<Integer> {

    @ArgGroup(exclusive = true, multiplicity = "1")
    ModelOptions source;

    static final class ModelOptions {
        @Option(names = "--model", paramLabel = "MODEL",
                description = "gmm:FILE.json (a Gaussian-mixture spec) or gmm:NAME (bundled: eight-gaussians, "
                        + "two-gaussians-1d), whose exact denoiser is used; bundled:NAME, a trained model shipped "
                        + "with diffusion4j (mnist-edm); or torchscript:FILE.pt, a traced or scripted PyTorch "
                        + "denoiser with its sidecar FILE.json next to it (docs/pytorch.md).")
        String model;

        @Option(names = "--run", paramLabel = "RUN", description = "A trained run directory (its EMA weights).")
        Path run;
    }

    @Option(names = "--sampler", paramLabel = "SPEC",
            description = "Required unless the run records its sampling (a distilled run: its ddim). "
                    + "Sampler name with optional options, e.g. heun, dpmpp-2m-sde:eta=0.5,solver=heun, "
                    + "euler:s_churn=40,s_tmin=0.05,s_tmax=50,s_noise=1.003. Known: ${COMPLETION-CANDIDATES}. "
                    + "A phase-space (PSLD) run takes euler, euler-maruyama, sscs, conjugate[:lambda=L], nse, rse, "
                    + "nvv, rvv, roba[:lambda_s=L], noba[:lambda_s=L], cse[:lambda=L], cvv[:lambda=L] or "
                    + "coba[:lambda=L,lambda_s=L] on PSLD's quadratic time grid.",
            completionCandidates = SamplerNames.class)
    String sampler;

    @Option(names = "--steps", paramLabel = "N",
            description = "Number of sampler steps; required unless --grid file:PATH, whose grid fixes them, or the run "
                    + "records its step count (a distilled run samples at its own by default).")
    Integer steps;

    @Mixin
    GridOptions grid;

    @Option(names = "--process", paramLabel = "NAME",
            description = "For gmm models, the Gaussian process the model is seen through: edm, ve, vp, vp-cosine, "
                    + "linear, gvp, ddpm-linear, ddpm-scaled-linear, ddpm-cosine, with parameters as in "
                    + "vp:beta_min=0.1,beta_max=20 or ddpm-linear:beta_start=1e-4,beta_end=0.02,steps=1000 "
                    + "(default: edm). A trained or TorchScript model has its own.")
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

    @Option(names = "--class", paramLabel = "C",
            description = "Draw every sample from class C (class-conditional models; default: the classes in turn).")
    Integer classLabel;

    @Option(names = "--cfg-scale", paramLabel = "W", defaultValue = "1",
            description = "Classifier-free guidance scale: 1 is plain conditional sampling, 0 unconditional "
                    + "(default: ${DEFAULT-VALUE}).")
    double guidance;

    @Option(names = "--noise", paramLabel = "KIND",
            description = "Noise of stochastic steps: gaussian or brownian (default: the sampler's, brownian for "
                    + "the SDE samplers as in k-diffusion).")
    String noise;

    @Option(names = "--dtype", paramLabel = "TYPE", defaultValue = "float32",
            description = "float32 or float64 (default: ${DEFAULT-VALUE}).")
    String dtype;

    @Option(names = "--out", required = true, paramLabel = "FILE",
            description = "Where to write the samples (.npy, .npz, .csv, .png or .wav).")
    Path out;

    @Option(names = "--batch", paramLabel = "B",
            description = "Samples drawn at once (default: as many as fit in an estimated 64 MiB); .npy, .npz and "
                    + ".csv are written batch by batch, so any --n needs only one batch in memory.")
    Integer batch;

    @Option(names = "--quiet", description = "No progress bar.")
    boolean quiet;

    @Override
    public Integer call() {
        String format = ArrayFiles.extension(out);
        if (!List.of("npy", "npz", "csv", "png", "wav").contains(format)) {
            throw new InvalidArgumentException("--out " + out + ": unknown format '." + format
                    + "'; expected .npy, .npz, .csv, .png or .wav");
        }
        AudioFeature feature = format.equals("wav") ? audioFeature() : null;
        GridSpec gridSpec = grid.spec();
        if (steps == null && gridSpec instanceof GridSpec.FromFile file) {
            steps = file.steps(grid.finalZero);
        }
        if (steps != null && steps < 1) {
            throw new InvalidArgumentException("--steps must be at least 1, got " + steps);
        }
        if (source.run == null && steps == null) {
            throw new InvalidArgumentException("--steps is required (unless --grid file:PATH gives the grid)");
        }
        if (source.run == null && sampler == null) {
            throw new InvalidArgumentException("Missing required option: '--sampler=SPEC' (a run that records its "
                    + "sampling, a distilled one, samples without it)");
        }
        if (steps == null || sampler == null) {
            Models.requireRecordedSampling(source.run, sampler == null ? "--sampler" : "--steps");
        }
        OutputPaths.requireWritableFile(out, "--out");
        DataType type = DataTypes.parse(dtype);
        NoiseKind kind = noise == null ? null : DataTypes.noiseKind(noise);
        long started = System.nanoTime();
        try (NDManager manager = Backend.newManager()) {
            Models.Loaded model = Models.load(source.model, source.run, process, manager);
            Generator generator = model.generator();
            if (steps == null || sampler == null) { // a distilled run (checked above): its own sampler and steps
                steps = steps != null ? steps : generator.defaultBudget().value();
                sampler = sampler != null ? sampler : generator.defaultSampler();
            }
            grid.noteIfTunedForAnother(sampler, "sample");
            NDArray init = start.init == null ? null : ArrayFiles.read(start.init, manager);
            int count = init != null ? (int) init.getShape().get(0) : start.n;
            if (init != null) {
                checkInit(init, generator.sampleShape(), model.name());
            } else if (count < 1) {
                throw new InvalidArgumentException("--n must be at least 1, got " + count);
            }
            requireDrawable(format, generator.sampleShape());
            if (feature != null) {
                for (Path clip : clipPaths(count)) {
                    OutputPaths.requireWritableFile(clip, "--out");
                }
            }
            Batches batches = batches(count, generator.sampleShape(), type);
            requireRoom(format, count, generator.sampleShape(), type);
            int classes = generator.classes();
            if (classes == 0 && classLabel != null) {
                throw new InvalidArgumentException("--class needs a class-conditional model");
            }
            GenerationRequest template = GenerationRequest.builder(new long[] {seed}).guidance(guidance)
                    .sampler(sampler).steps(steps).grid(gridSpec).finalZero(grid.finalZero).dtype(type).noise(kind)
                    .build();
            IntUnaryOperator classOf = classes == 0 ? null : i -> classLabel != null ? classLabel : i % classes;
            Batches.Starts starts = init == null ? null : (from, to) -> init.get(from + ":" + to);
            Generation[] last = new Generation[1];
            try (Progress progress = new Progress(sampler, (long) steps * batches.count(), quiet, System.err)) {
                GenerationRequest request = template.toBuilder()
                        .callback(info -> progress.step(String.format("%.4g", info.level()))).build();
                if (format.equals("png") || format.equals("wav")) {
                    float[] values = new float[Math.multiplyExact(count, (int) generator.sampleShape().size())];
                    batches.generate(generator, request, seed, classOf, starts, manager, (from, g) -> {
                        float[] batch = g.samples().toType(DataType.FLOAT32, false).toFloatArray();
                        System.arraycopy(batch, 0, values, from * (int) generator.sampleShape().size(), batch.length);
                        last[0] = g;
                    });
                    if (feature != null) {
                        writeClips(values, count, feature);
                    } else {
                        drawPng(values, count, generator.sampleShape());
                    }
                } else {
                    ArrayFiles.writeInBatches(out, count, generator.sampleShape(), type, sink ->
                            batches.generate(generator, request, seed, classOf, starts, manager, (from, g) -> {
                                try {
                                    sink.append(g.samples());
                                } catch (IOException e) {
                                    throw FileAccessException.writing(out, e);
                                }
                                last[0] = g;
                            }));
                }
            }
            Generation result = last[0];
            System.out.printf("%s: %d samples, %d steps, NFE %d, %.2f s → %s%n", result.sampler(), count,
                    result.steps(), result.evaluations(), (System.nanoTime() - started) / 1e9, out);
        }
        return 0;
    }

    /**
     * The batches of this run: {@code --batch}, or as many samples as fit in {@link Batches#DEFAULT_BUDGET_BYTES}
     * ({@link Batches#bytesPerSample} each).
     */
    private Batches batches(int count, Shape sampleShape, DataType type) {
        if (batch != null) {
            if (batch < 1) {
                throw new InvalidArgumentException("--batch must be at least 1, got " + batch);
            }
            return new Batches(count, Math.min(batch, count));
        }
        return Batches.within(count, sampleShape, type, Batches.DEFAULT_BUDGET_BYTES);
    }

    /** The most memory a .png or .wav may need: the samples as floats and the picture's pixels. */
    static final long PNG_BUDGET_BYTES = 256L << 20;

    /**
     * Refuses, naming --n, what cannot fit: a .png or .wav (made from all samples at once) over
     * {@link #PNG_BUDGET_BYTES}, or an array file larger than the free space where it goes. Array files are written
     * batch by batch, so their size is bounded by the disk, not the memory.
     */
    private void requireRoom(String format, int count, Shape sampleShape, DataType type) {
        long values = count * sampleShape.size();
        if (format.equals("png") || format.equals("wav")) {
            long pixels = sampleShape.dimension() == 3 ? (count / 10 + 1) * 10L * (sampleShape.get(1) * 2 + 2)
                    * (sampleShape.get(2) * 2 + 2) * 4 : 0;
            long bytes = values * 4 + pixels;
            if (bytes > PNG_BUDGET_BYTES) {
                throw new InvalidArgumentException("--n " + count + ": a ." + format + " of " + count + " samples "
                        + "needs about " + bytes / (1 << 20) + " MiB in memory, more than " + (PNG_BUDGET_BYTES >> 20) + " MiB; write "
                        + ".npy, .npz or .csv (written batch by batch) or ask for fewer samples");
            }
            return;
        }
        long bytes = format.equals("csv") ? values * 25 : values * type.getNumOfBytes();
        Path dir = out.toAbsolutePath().getParent();
        while (dir != null && !java.nio.file.Files.isDirectory(dir)) {
            dir = dir.getParent();
        }
        try {
            long free = java.nio.file.Files.getFileStore(dir).getUsableSpace();
            if (bytes > free) {
                throw new InvalidArgumentException("--n " + count + ": the samples need about " + bytes / (1 << 20)
                        + " MiB as ." + format + " but " + dir + " has " + free / (1 << 20) + " MiB free");
            }
        } catch (IOException e) {
            // the free space is unknown: the write itself will say if the disk fills up
        }
    }

    /**
     * The audio feature of the --run or bundled model a .wav is asked of; refused, naming the model, for any other
     * model.
     */
    private AudioFeature audioFeature() {
        ModelSource model = Models.source(source.model, source.run, null);
        TrainingConfig config = model.trainedConfig();
        if (config == null) {
            throw new InvalidArgumentException("--out " + out + ": a .wav needs a --run or bundled model trained on "
                    + "audio (data source spoken-digits)");
        }
        TrainingConfig.Data data = config.data();
        String name = model.name();
        if (!data.source().equals("spoken-digits")) {
            throw new InvalidArgumentException("--out " + out + ": a .wav needs a model trained on audio, but "
                    + name + " trained on " + data.source() + " (write .png, .npy, .npz or .csv)");
        }
        return data.audioFeature();
    }

    /** Where the clips go: --out itself for one, NAME-0.wav, NAME-1.wav, … beside it for several. */
    private List<Path> clipPaths(int count) {
        if (count == 1) {
            return List.of(out);
        }
        String name = out.getFileName().toString();
        String stem = name.substring(0, name.length() - ".wav".length());
        return java.util.stream.IntStream.range(0, count).mapToObj(i -> out.resolveSibling(stem + "-" + i + ".wav"))
                .toList();
    }

    /** Each sample's image decoded to a clip (Griffin–Lim seeded by its sample seed) and written as 16-bit WAV. */
    private void writeClips(float[] values, int count, AudioFeature feature) {
        List<Path> paths = clipPaths(count);
        List<Integer> shape = feature.shape();
        int per = shape.get(0) * shape.get(1) * shape.get(2);
        for (int i = 0; i < count; i++) {
            float[] image = java.util.Arrays.copyOfRange(values, i * per, (i + 1) * per);
            WavFiles.write(paths.get(i), Audio.mono(feature.sampleRate(), feature.decode(image, seed + i)));
        }
    }

    /** Fails when a .png is asked for samples that are neither images nor 2-D points. */
    private static void requireDrawable(String format, Shape sample) {
        boolean drawable = sample.dimension() == 3 || sample.dimension() == 1 && sample.get(0) == 2;
        if (format.equals("png") && !drawable) {
            throw new InvalidArgumentException("a .png needs images or 2-D samples; these have shape " + sample
                    + " (write .npy, .npz or .csv instead)");
        }
    }

    private void checkInit(NDArray init, Shape sampleShape, String model) {
        Shape shape = init.getShape();
        Shape expected = new Shape(shape.get(0)).addAll(sampleShape);
        if (!shape.equals(expected)) {
            throw new ShapeMismatchException("--init " + start.init + " has shape " + shape + " but " + model
                    + " takes samples of shape " + sampleShape + "; expected " + expected);
        }
        double[] values = init.toType(DataType.FLOAT64, false).toDoubleArray();
        long bad = 0;
        int first = -1;
        for (int i = 0; i < values.length; i++) {
            if (!Double.isFinite(values[i])) {
                bad++;
                first = first < 0 ? i : first;
            }
        }
        if (bad > 0) {
            throw new InvalidArgumentException("--init " + start.init + " holds " + bad + " non-finite value"
                    + (bad == 1 ? "" : "s") + " (NaN or ±∞; the first at sample " + first / (values.length
                    / shape.get(0)) + "); a start must be finite");
        }
    }

    private void drawPng(float[] values, int n, Shape shape) {
        if (shape.dimension() == 3) {
            Previews.write(Previews.grid(values, n, (int) shape.get(0), (int) shape.get(1), 10, 2), out);
        } else {
            double[] points = new double[values.length];
            for (int i = 0; i < values.length; i++) {
                points[i] = values[i];
            }
            Charts.scatter(out, sampler + ", " + steps + " steps", points);
        }
    }
}
