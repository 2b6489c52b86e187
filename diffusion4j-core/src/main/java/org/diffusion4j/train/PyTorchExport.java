package org.diffusion4j.train;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.diffusion4j.DiffusionException;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.denoise.Preconditioning;
import org.diffusion4j.io.FileAccessException;
import org.diffusion4j.nn.NetworkConfig;

/**
 * A trained model written for PyTorch: a directory with the run's EMA weights ({@code model.safetensors}, byte for
 * byte, names unchanged), its {@code config.json}, {@code export.json} (the format version and the one fixed array
 * the network computes instead of learning: its noise embedding's frequencies), {@code diffusion4j_model.py} (a
 * self-contained PyTorch module that rebuilds the network from the config, loads the weights and applies the run's
 * preconditioning as a k-diffusion denoiser) and a {@code README.md} with a k-diffusion sampling snippet.
 *
 * <p>The directory is written beside its final place and moved there when complete, so a failed export leaves
 * nothing behind; an existing non-empty directory is replaced only when asked ({@code force}), and never when it
 * holds the run being exported. Phase-space (PSLD) runs and runs on a degraded process are refused: neither has the
 * Gaussian denoiser D(x; σ) that k-diffusion samples.
 */
public final class PyTorchExport {
    /** The export targets there are. */
    public static final List<String> TARGETS = List.of("pytorch");
    /** The Python module's file name. */
    public static final String MODULE = "diffusion4j_model.py";
    /** The files of an export directory. */
    public static final List<String> FILES = List.of("model.safetensors", "config.json", "export.json", MODULE,
            "README.md");
    /** The version of the directory's layout, in {@code export.json}; the module checks it. */
    public static final int FORMAT_VERSION = 1;

    private static final String RESOURCES = "/org/diffusion4j/train/pytorch/";

    private PyTorchExport() {}

    /**
     * What was written.
     *
     * @param directory the export directory
     * @param network the network type ({@code mlp}, {@code unet}, {@code dit})
     * @param parameters number of weights
     * @param replaced whether a non-empty directory was replaced
     */
    public record Result(Path directory, String network, long parameters, boolean replaced) {}

    /** Exports the run in directory {@code run} to {@code out}. */
    public static Result exportRun(Path run, Path out, boolean force, NDManager manager) {
        checkTarget(out, force, run);
        RunDirectory dir = new RunDirectory(run);
        TrainedModel model = TrainedModel.load(run, manager);
        return write(model, run.toString(), out, force, staged -> {
            Files.copy(dir.model(), staged.resolve("model.safetensors"));
            Files.copy(dir.config(), staged.resolve("config.json"));
        });
    }

    /** Exports the shipped model {@code name} ({@link TrainedModel#BUNDLED}) to {@code out}. */
    public static Result exportBundled(String name, Path out, boolean force, NDManager manager) {
        checkTarget(out, force, null);
        TrainedModel model = TrainedModel.bundled(name, manager);
        return write(model, "bundled:" + name, out, force, staged -> {
            for (String file : List.of("model.safetensors", "config.json")) {
                try (InputStream in = TrainedModel.openBundled(name, file)) {
                    Files.copy(in, staged.resolve(file));
                }
            }
        });
    }

    /** Refuses an unknown {@code --to} target, naming the known ones. */
    public static void checkTarget(String target) {
        if (!TARGETS.contains(target)) {
            throw new InvalidArgumentException("unknown export target '" + target + "'; known targets: "
                    + String.join(", ", TARGETS));
        }
    }

    /** The network type as config.json names it. */
    static String networkType(NetworkConfig network) {
        if (network instanceof NetworkConfig.Mlp) {
            return "mlp";
        }
        if (network instanceof NetworkConfig.UNet) {
            return "unet";
        }
        if (network instanceof NetworkConfig.Dit) {
            return "dit";
        }
        throw new DiffusionException("network " + network + " has no PyTorch export");
    }

    private interface Copy {
        void into(Path staged) throws IOException;
    }

    private static void checkTarget(Path out, boolean force, Path run) {
        if (Files.exists(out, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(out, LinkOption.NOFOLLOW_LINKS)) {
            throw new InvalidArgumentException(out + " exists and is not a directory; the export writes a directory");
        }
        if (run != null && Files.isDirectory(out)) {
            try {
                Path target = out.toRealPath();
                Path source = run.toRealPath();
                if (source.startsWith(target)) {
                    throw new InvalidArgumentException("cannot export into " + out + ": it holds the run " + run
                            + " itself");
                }
            } catch (IOException e) {
                throw FileAccessException.reading(out, e);
            }
        }
        if (!force && !isEmpty(out)) {
            throw new InvalidArgumentException(out + " is not empty; choose another directory or pass --force to "
                    + "replace it");
        }
    }

    private static boolean isEmpty(Path dir) {
        if (!Files.isDirectory(dir)) {
            return true;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            return !entries.iterator().hasNext();
        } catch (IOException e) {
            throw FileAccessException.reading(dir, e);
        }
    }

    /** Refuses models k-diffusion cannot sample as a Gaussian denoiser. */
    private static void checkExportable(TrainingConfig config, String what) {
        if (config.phaseSpace() != null) {
            throw new InvalidArgumentException(what + " is a phase-space (PSLD) model; the PyTorch export covers "
                    + "models of a Gaussian process (a denoiser D(x; σ) for k-diffusion), not phase-space ones");
        }
        if (config.nonlinear() != null) {
            throw new InvalidArgumentException(what + " is a non-linear-process model (field nonlinear); the PyTorch "
                    + "export covers models of a Gaussian process (a denoiser D(x; σ) for k-diffusion)");
        }
        Preconditioning p = config.preconditioning();
        if (p.degradation() != null) {
            throw new InvalidArgumentException(what + " is trained on a degraded process (" + p.degradation()
                    + "); it restores rather than denoises, so it has no denoiser D(x; σ) for k-diffusion to sample");
        }
        networkType(config.network());
    }

    private static Result write(TrainedModel model, String what, Path out, boolean force, Copy copy) {
        TrainingConfig config = model.config();
        checkExportable(config, what);
        String network = networkType(config.network());
        long parameters = model.network().weights().count();
        Path target = out.toAbsolutePath().normalize();
        Path parent = target.getParent();
        Path staged = null;
        try {
            Files.createDirectories(parent);
            staged = Files.createTempDirectory(parent, "." + target.getFileName() + ".export-");
            if (staged.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                // temporary directories start private (rwx------); an export is an ordinary directory
                Files.setPosixFilePermissions(staged, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
            copy.into(staged);
            Files.write(staged.resolve(MODULE), resource(MODULE));
            Files.writeString(staged.resolve("export.json"), exportJson(model, what, network, parameters),
                    StandardCharsets.UTF_8);
            Files.writeString(staged.resolve("README.md"), readme(config, what, network, parameters),
                    StandardCharsets.UTF_8);
            boolean replaced = !isEmpty(target);
            if (!replaced && Files.isDirectory(target)) {
                // an empty directory: take its place
                Files.delete(target);
            }
            replace(staged, target);
            staged = null;
            return new Result(out, network, parameters, replaced);
        } catch (IOException e) {
            throw FileAccessException.writing(out, e);
        } finally {
            if (staged != null) {
                deleteTree(staged);
            }
        }
    }

    /** Moves {@code staged} to {@code target}; an existing target is moved aside first and deleted after. */
    private static void replace(Path staged, Path target) throws IOException {
        Path old = null;
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            old = Files.createTempDirectory(target.getParent(), "." + target.getFileName() + ".old-");
            Files.delete(old);
            Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
        }
        try {
            try {
                Files.move(staged, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(staged, target);
            }
        } catch (IOException e) {
            if (old != null) {
                Files.move(old, target, StandardCopyOption.ATOMIC_MOVE);
            }
            throw e;
        }
        if (old != null) {
            deleteTree(old);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // best effort: a leftover hidden folder beside the export
        }
    }

    static byte[] resource(String name) {
        try (InputStream in = PyTorchExport.class.getResourceAsStream(RESOURCES + name)) {
            if (in == null) {
                throw new DiffusionException(name + " is missing from this build of diffusion4j");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String exportJson(TrainedModel model, String what, String network, long parameters) {
        ObjectNode root = TrainingConfig.JSON.createObjectNode();
        root.put("format", "diffusion4j-pytorch");
        root.put("version", FORMAT_VERSION);
        root.put("model", what);
        root.put("network", network);
        root.put("parameters", parameters);
        root.put("module", MODULE);
        ObjectNode constants = root.putObject("constants");
        ArrayNode frequencies = constants.putArray("noise_frequencies");
        for (double f : model.network().noiseFrequencies()) {
            frequencies.add(f);
        }
        return root.toPrettyString() + "\n";
    }

    private static String readme(TrainingConfig config, String what, String network, long parameters) {
        List<Integer> shape = config.network().sampleShape();
        int classes = config.network().classes();
        TrainingConfig.Sampling s = config.sampling();
        String extraArgs = classes > 0
                ? ",\n                                    extra_args={\"class_labels\": torch.arange(16) % " + classes
                        + ", \"cfg_scale\": 1.0}"
                : "";
        String classNote = classes > 0
                ? "The model is class-conditional (" + classes + " classes). `class_labels` picks the class of each "
                        + "sample; leave it out for unconditional samples (the null class, label " + classes
                        + "); `cfg_scale` w > 1 applies classifier-free guidance, D(∅) + w·(D(class) − D(∅))."
                : "The model is unconditional.";
        String text = new String(resource("README.template.md"), StandardCharsets.UTF_8)
                .replace("{{model}}", what)
                .replace("{{name}}", config.name())
                .replace("{{network}}", network)
                .replace("{{parameters}}", String.format(Locale.ROOT, "%,d", parameters))
                .replace("{{process}}", config.preconditioning().process())
                .replace("{{prediction}}", config.preconditioning().prediction())
                .replace("{{shape}}", shape.toString())
                .replace("{{shape_args}}", shape.stream().map(String::valueOf).collect(Collectors.joining(", ")))
                .replace("{{steps}}", String.valueOf(s.steps()))
                .replace("{{sigma_min}}", String.valueOf(s.sigmaMin()))
                .replace("{{sigma_max}}", String.valueOf(s.sigmaMax()))
                .replace("{{rho}}", String.valueOf(s.rho()))
                .replace("{{extra_args}}", extraArgs)
                .replace("{{class_note}}", classNote);
        return text;
    }
}
