package org.diffusion4j.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.ShapeMismatchException;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.backend.NativeArrays;
import org.diffusion4j.data.ImageFolder;
import org.diffusion4j.data.ImageSet;
import org.diffusion4j.generate.Budget;
import org.diffusion4j.generate.GenerationRequest;
import org.diffusion4j.generate.Generator;
import org.diffusion4j.io.ArrayFiles;
import org.diffusion4j.io.FileFormatException;
import org.diffusion4j.io.OutputPaths;
import org.diffusion4j.io.Previews;
import org.diffusion4j.io.ReadLimits;
import org.diffusion4j.restore.RestorationTask;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code d4j restore}: restore a user's degraded images with a trained restoration model. */
@Command(name = "restore", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Restore degraded images with a trained restoration run (a bridge, conditional or "
                + "regression model) of the task, or with any model of noise as a zero-shot prior (DPS, DDRM).",
            "The input is the task's observation y: a PNG (one image) or a .npy batch (N, C, h, w) in [−1, 1], "
                    + "7 × 7 for sr4, 28 × 28 for inpaint, denoise and deblur on MNIST; with --from-clean, clean "
                    + "images that are degraded first (the task's noise from --seed).",
            "Output by extension: .png, one row per input — the prior x₁ (the upsampled or masked observation), "
                    + "the clean image with --from-clean, the MMSE regressor's output with --mmse, the K "
                    + "restorations, their mean and their per-pixel "
                    + "standard deviation (black 0, white ≥ 0.5); .npy, the restorations shaped (N, K, C, H, W)."})
final class RestoreCommand implements Callable<Integer> {

    @Option(names = "--task", required = true, paramLabel = "TASK",
            description = "The degradation: sr4, inpaint, denoise, deblur (or a spec such as sr:factor=2); a "
                    + "restoration run's own.")
    String taskSpec;

    @ArgGroup(exclusive = true, multiplicity = "1")
    EvalRestoreCommand.Source source;

    @Option(names = "--method", paramLabel = "SPEC",
            description = "How it restores (default: the run's preview sampler; ddrm for a zero-shot prior): "
                    + "bridge-sde[:noise=S] or bridge-ode for a bridge, any sampler of its process (heun, dpmpp-2m, "
                    + "euler-ancestral, …) for a conditional model, regression for a regressor, dps[:zeta=Z] or "
                    + "ddrm[:eta=E,eta_b=B] for a zero-shot prior.")
    String method;

    @Option(names = "--in", required = true, paramLabel = "FILE", description = "The observation(s): .png or .npy.")
    Path in;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "The restorations: .png or .npy.")
    Path out;

    @Option(names = "--n-samples", defaultValue = "4", paramLabel = "K",
            description = "Restorations per input (default: ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = "--nfe", paramLabel = "N",
            description = "Model calls per restoration (default: the run's preview sampler's steps; 50 for a "
                    + "zero-shot prior).")
    Integer nfe;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S",
            description = "Restoration k of input i uses seed S + i·K + k; --from-clean's noise seed S "
                    + "(default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--mmse", paramLabel = "RUN",
            description = "An MMSE regressor run of the same task, whose output the .png grid shows beside the "
                    + "restorations.")
    Path mmse;

    @Option(names = "--from-clean", description = "The input holds clean images: degrade them with the task first.")
    boolean fromClean;

    @Override
    public Integer call() {
        String format = ArrayFiles.extension(out);
        if (!List.of("png", "npy").contains(format)) {
            throw new InvalidArgumentException("--out " + out + ": the restorations are written as .png or .npy, "
                    + "got ." + format);
        }
        OutputPaths.requireWritableFile(out, "--out");
        if (samples < 1) {
            throw new InvalidArgumentException("--n-samples must be at least 1, got " + samples);
        }
        if (nfe != null && nfe < 1) {
            throw new InvalidArgumentException("--nfe must be at least 1, got " + nfe);
        }
        Restorers.check(source.run, source.model, taskSpec);
        if (mmse != null) {
            if (!format.equals("png")) {
                throw new InvalidArgumentException("--mmse draws the regressor's output in the .png grid; --out " + out
                        + " is an array");
            }
            Restorers.check(mmse, null, taskSpec);
        }
        try (NDManager manager = Backend.newManager()) {
            Restorers.Resolved resolved = Restorers.resolve(source.run, source.model, taskSpec, manager);
            RestorationTask task = resolved.task();
            Generator restorer = resolved.generator();
            String sampler = method != null ? method : restorer.defaultSampler();
            String name = sampler.contains(":") ? sampler.substring(0, sampler.indexOf(':')) : sampler;
            if (!restorer.samplers().contains(name)) {
                throw new InvalidArgumentException("--method " + sampler + ": " + resolved.name() + " ("
                        + restorer.kind() + ") restores with " + String.join(", ", restorer.samplers()));
            }
            Shape image = restorer.sampleShape();
            NDArray input = read(in, manager);
            NDArray y = fromClean ? degrade(task, checked(input, image, "clean images"), manager)
                    : checked(input, observationShape(task, image, manager), "observations of task " + task.spec());
            int n = (int) y.getShape().get(0);
            long[] seeds = new long[n * samples];
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < samples; k++) {
                    seeds[i * samples + k] = seed + (long) i * samples + k;
                }
            }
            NDArray repeated = y.repeat(0, samples);
            Budget budget = nfe != null ? Budget.nfe(nfe) : restorer.defaultBudget() != null
                    ? restorer.defaultBudget() : Budget.steps(resolved.config().sampling().steps());
            NDArray restored = restorer.generate(GenerationRequest.builder(seeds).observation(repeated)
                    .sampler(sampler).budget(budget).build(), manager).samples()
                    .toType(DataType.FLOAT32, false);
            NDArray grouped = restored.reshape(new Shape(n, samples).addAll(image));
            if (format.equals("npy")) {
                ArrayFiles.write(out, grouped);
            } else {
                writeGrid(task, y, fromClean ? input : null, mmse == null ? null : regression(y, manager), grouped,
                        image);
            }
            System.out.println("wrote " + out + ": " + n + " input(s) × " + samples + " restoration(s), " + sampler);
        }
        return 0;
    }

    /** The --mmse run's restorations of {@code y}, refused when it is not an MMSE regressor of the task. */
    private NDArray regression(NDArray y, NDManager manager) {
        Restorers.Resolved regressor = Restorers.resolve(mmse, null, taskSpec, manager);
        if (regressor.config().restoration() == null || !regressor.config().restoration().regression()) {
            throw new InvalidArgumentException("--mmse " + mmse + " is a " + regressor.generator().kind()
                    + " model, not an MMSE regressor (restoration method regression)");
        }
        long[] seeds = new long[Math.toIntExact(y.getShape().get(0))];
        return regressor.generator().generate(GenerationRequest.builder(seeds).observation(y).build(), manager)
                .samples().toType(DataType.FLOAT32, false);
    }

    private void writeGrid(RestorationTask task, NDArray y, NDArray clean, NDArray regression, NDArray grouped,
            Shape image) {
        long n = grouped.getShape().get(0);
        NDArray mean = grouped.mean(new int[] {1}, true);
        NDArray spread = samples > 1 ? grouped.sub(mean).square().sum(new int[] {1}, true)
                .div(samples - 1.0).sqrt() : mean.zerosLike();
        NDArray stdImage = spread.mul(4.0).sub(1.0).clip(-1, 1);
        NDArray row = task.prior(y).expandDims(1);
        if (clean != null) {
            row = row.concat(clean.expandDims(1), 1);
        }
        if (regression != null) {
            row = row.concat(regression.expandDims(1), 1);
        }
        row = row.concat(grouped, 1).concat(mean, 1).concat(stdImage, 1);
        int columns = (int) row.getShape().get(1);
        if (image.get(1) != image.get(2)) {
            throw new ShapeMismatchException("a grid shows square images, got " + image);
        }
        Previews.write(Previews.grid(row.toFloatArray(), (int) n * columns, (int) image.get(0), (int) image.get(1),
                columns, 4), out);
    }

    /** The observation shape of one image of {@code image} under {@code task}. */
    private static Shape observationShape(RestorationTask task, Shape image, NDManager manager) {
        try (NDManager m = manager.newSubManager()) {
            return task.measure(m.zeros(new Shape(1).addAll(image))).getShape().slice(1);
        }
    }

    /** The clean images degraded, with the task's noise drawn from the seed. */
    private NDArray degrade(RestorationTask task, NDArray clean, NDManager manager) {
        NDArray noise = NativeArrays.standardNormal(new SplittableRandom(seed), clean.getShape(), manager)
                .toType(DataType.FLOAT32, false);
        return task.observe(clean, noise);
    }

    /**
     * {@code input} as a batch of {@code shape}: a single image gains the batch axis, and a gray image stored as RGB
     * (three equal channels) becomes one channel when one is expected.
     */
    private NDArray checked(NDArray input, Shape shape, String what) {
        NDArray batch = input.getShape().dimension() == shape.dimension() ? input.expandDims(0) : input;
        Shape s = batch.getShape();
        if (s.dimension() == shape.dimension() + 1 && shape.get(0) == 1 && s.get(1) == 3
                && s.slice(2).equals(shape.slice(1))) {
            NDArray first = batch.get(":, 0:1");
            if (batch.get(":, 1:2").eq(first).all().getBoolean() && batch.get(":, 2:3").eq(first).all()
                    .getBoolean()) {
                batch = first;
            } else {
                throw new ShapeMismatchException(in + " is a colour image; this model restores gray ones (" + what
                        + " shaped " + shape + ")");
            }
        }
        if (!batch.getShape().slice(1).equals(shape) || batch.getShape().get(0) < 1) {
            throw new ShapeMismatchException(in + " holds " + describe(batch.getShape()) + ", but this model takes "
                    + what + " of " + describe(new Shape(1).addAll(shape)) + " each");
        }
        return batch;
    }

    private static String describe(Shape s) {
        if (s.dimension() != 4) {
            return "an array shaped " + s;
        }
        return s.get(0) + " image(s) of " + s.get(2) + " × " + s.get(3) + " pixels with " + s.get(1) + " channel(s)";
    }

    private static NDArray read(Path file, NDManager manager) {
        String extension = ArrayFiles.extension(file);
        if (extension.equals("png")) {
            ImageSet one = ImageFolder.readOne(file, ReadLimits.defaults());
            return manager.create(one.values(), new Shape(1).addAll(one.sampleShape()));
        }
        if (extension.equals("npy")) {
            NDArray array = ArrayFiles.read(file, manager);
            if (!array.getDataType().isFloating()) {
                throw new FileFormatException(file, "holds " + array.getDataType() + " values; observations are "
                        + "floating-point images in [−1, 1]");
            }
            return array.toType(DataType.FLOAT32, false);
        }
        throw new InvalidArgumentException("--in " + file + ": observations are read from .png or .npy, got ."
                + extension);
    }
}
