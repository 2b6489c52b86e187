package org.diffusion4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.backend.NativeArrays;
import org.diffusion4j.denoise.Preconditioning;
import org.diffusion4j.io.ArrayFiles;
import org.diffusion4j.io.Safetensors;
import org.diffusion4j.nn.Network;
import org.diffusion4j.nn.NetworkConfig;
import org.diffusion4j.train.Presets;
import org.diffusion4j.train.PyTorchExport;
import org.diffusion4j.train.TrainedModel;
import org.diffusion4j.train.TrainingConfig;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code d4j export --to pytorch}: the files it writes, its refusals, and — where Debian's PyTorch is installed for
 * {@code /usr/bin/python3} — that the exported Python module rebuilds the Java network and denoiser: the shipped
 * MNIST U-Net, and freshly drawn tiny MLPs (on every process and prediction), a tiny U-Net and a tiny DiT, all with
 * random (non-zero) weights everywhere. Python is never required: without it the check is skipped with a message.
 */
class ExportCommandTest {
    /** Debian's Python with python3-torch (not a pyenv first on PATH); {@code -Dd4j.python=…} points elsewhere. */
    private static final String PYTHON = System.getProperty("d4j.python", "/usr/bin/python3");
    private static final Path CHECKER = Path.of("src/test/python/check_export.py");
    /** Levels of the EDM view at which D(x; σ) is compared. */
    private static final double[] SIGMAS = {0.02, 0.3, 1.5, 12, 80};
    /** The same inside the range of the discrete chains (ddpm-scaled-linear covers σ̃ ∈ [0.029, 14.6]). */
    private static final double[] DISCRETE_SIGMAS = {0.05, 0.3, 1.5, 12};
    /** The bound on |D_python − D_java|, relative to the largest |D_java| (at least 1): float32 rounding. */
    private static final double BOUND = 1e-4;
    /** The bound on the samples of 18 Heun steps (35 calls, float32 grids built apart): rounding carried along. */
    private static final double SAMPLING_BOUND = 1e-3;

    @TempDir
    Path dir;

    // ------------------------------------------------------------------------------------------ what it writes

    @Test
    void exportsTheBundledModelAsItShips() throws IOException {
        Path out = dir.resolve("mnist");
        CliRunner.Result r = CliRunner.run("export", "--model", "bundled:mnist-edm", "--to", "pytorch",
                out.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("unet network, 1,034,705 parameters"), r.out());
        try (Stream<Path> files = Files.list(out)) {
            assertEquals(PyTorchExport.FILES.stream().sorted().toList(),
                    files.map(p -> p.getFileName().toString()).sorted().toList());
        }
        for (String file : List.of("model.safetensors", "config.json")) {
            try (InputStream in = TrainedModel.class.getResourceAsStream("/org/diffusion4j/models/mnist-edm/"
                    + file)) {
                assertArrayEquals(in.readAllBytes(), Files.readAllBytes(out.resolve(file)), file + " as shipped");
            }
        }
        JsonNode export = new ObjectMapper().readTree(out.resolve("export.json").toFile());
        assertEquals(PyTorchExport.FORMAT_VERSION, export.get("version").asInt());
        assertEquals(8, export.get("constants").get("noise_frequencies").size(), "16 channels: 8 frequencies");
        String readme = Files.readString(out.resolve("README.md"));
        assertTrue(readme.contains("K.sampling.sample_heun(denoiser, x, sigmas")
                && readme.contains("get_sigmas_karras(18, 0.002, 80.0, rho=7.0)")
                && readme.contains("torch.randn(16, 1, 28, 28)") && readme.contains("% 10"), readme);
        assertFalse(readme.contains("{{"), readme);
        try (Stream<Path> beside = Files.list(dir)) {
            assertEquals(List.of("mnist"), beside.map(p -> p.getFileName().toString()).toList(),
                    "no staging folder left beside the export");
        }
    }

    @Test
    void takesARunAndTheOutOptionAndAnEmptyDirectory() throws IOException {
        Path run = randomRun("mlp", new NetworkConfig.Mlp(2, 16, 1, 8, 0), Preconditioning.edm("edm", 1), 1);
        Path out = Files.createDirectory(dir.resolve("empty"));
        CliRunner.Result r = CliRunner.run("export", "--run", run.toString(), "--to", "pytorch", "--out",
                out.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertArrayEquals(Files.readAllBytes(run.resolve("model.safetensors")),
                Files.readAllBytes(out.resolve("model.safetensors")));
        assertArrayEquals(Files.readAllBytes(run.resolve("config.json")),
                Files.readAllBytes(out.resolve("config.json")));
    }

    // ------------------------------------------------------------------------------------------ refusals

    @Test
    void refusesAnUnknownTarget() {
        Path out = dir.resolve("onnx");
        CliRunner.Result r = CliRunner.run("export", "--model", "bundled:mnist-edm", "--to", "onnx", out.toString());
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("unknown export target 'onnx'; known targets: pytorch"), r.err());
        assertFalse(Files.exists(out));
    }

    @Test
    void refusesARunWithoutWeights() throws IOException {
        Path run = randomRun("noweights", new NetworkConfig.Mlp(2, 16, 1, 8, 0), Preconditioning.edm("edm", 1), 1);
        Files.delete(run.resolve("model.safetensors"));
        Path out = dir.resolve("out");
        CliRunner.Result r = CliRunner.run("export", "--run", run.toString(), "--to", "pytorch", out.toString());
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("holds no trained model (model.safetensors is missing)"), r.err());
        assertNothingWritten(out);
    }

    @Test
    void refusesANonEmptyDirectoryUnlessForced() throws IOException {
        Path out = Files.createDirectory(dir.resolve("taken"));
        Files.writeString(out.resolve("keep.txt"), "mine");
        CliRunner.Result r = CliRunner.run("export", "--model", "bundled:mnist-edm", "--to", "pytorch",
                out.toString());
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains(out + " is not empty; choose another directory or pass --force to replace it"),
                r.err());
        try (Stream<Path> files = Files.list(out)) {
            assertEquals(List.of("keep.txt"), files.map(p -> p.getFileName().toString()).toList());
        }
        assertNothingWritten(dir.resolve("none"));

        CliRunner.Result forced = CliRunner.run("export", "--model", "bundled:mnist-edm", "--to", "pytorch",
                "--force", out.toString());
        assertEquals(0, forced.exitCode(), forced.err());
        assertTrue(forced.out().contains("(replaced)"), forced.out());
        assertFalse(Files.exists(out.resolve("keep.txt")));
        assertTrue(Files.isRegularFile(out.resolve(PyTorchExport.MODULE)));
    }

    @Test
    void refusesToReplaceTheRunItself() throws IOException {
        Path run = randomRun("self", new NetworkConfig.Mlp(2, 16, 1, 8, 0), Preconditioning.edm("edm", 1), 1);
        CliRunner.Result r = CliRunner.run("export", "--run", run.toString(), "--to", "pytorch", "--force",
                run.toString());
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("it holds the run"), r.err());
        assertTrue(Files.isRegularFile(run.resolve("model.safetensors")));
    }

    @Test
    void refusesModelsWithoutAGaussianDenoiser() throws IOException {
        NetworkConfig.UNet unet = new NetworkConfig.UNet(1, 8, 8, List.of(1, 2), 1, List.of(), 0, 0);
        Path degraded = randomRun("degraded", unet, Preconditioning.edm("edm", 0.5).withDegradation("blur"), 1);
        Path out = dir.resolve("out");
        CliRunner.Result r = CliRunner.run("export", "--run", degraded.toString(), "--to", "pytorch",
                out.toString());
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("is trained on a degraded process (blur"), r.err());
        assertNothingWritten(out);

        TrainingConfig base = Presets.named("mnist-psld");
        Path psld = randomRun(new TrainingConfig("psld", new TrainingConfig.Data("folder", "images", 0, 1, 8, false,
                List.of(1, 8, 8)), new NetworkConfig.UNet(2, 8, 8, List.of(1, 2), 1, List.of(), 0, 0),
                base.preconditioning(), base.time(), base.optimization(), base.sampling(), null, base.phaseSpace()),
                2);
        CliRunner.Result phase = CliRunner.run("export", "--run", psld.toString(), "--to", "pytorch",
                out.toString());
        assertEquals(1, phase.exitCode());
        assertTrue(phase.err().contains("is a phase-space (PSLD) model; the PyTorch export covers models of a "
                + "Gaussian process"), phase.err());
        assertNothingWritten(out);

        CliRunner.Result gmm = CliRunner.run("export", "--model", "gmm:eight-gaussians", "--to", "pytorch",
                out.toString());
        assertEquals(1, gmm.exitCode());
        assertTrue(gmm.err().contains("is a Gaussian mixture, an exact denoiser without a network"), gmm.err());
        CliRunner.Result missing = CliRunner.run("export", "--model", "bundled:mnist-edm", "--to", "pytorch");
        assertEquals(1, missing.exitCode());
        assertTrue(missing.err().contains("missing the output directory"), missing.err());
        assertNothingWritten(out);
    }

    private void assertNothingWritten(Path out) throws IOException {
        assertFalse(Files.exists(out), out + " should not exist");
        try (Stream<Path> beside = Files.list(dir)) {
            List<String> hidden = beside.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("."))
                    .toList();
            assertEquals(List.of(), hidden, "no staging folder left behind");
        }
    }

    // ------------------------------------------------------------------------------------------ PyTorch equality

    /**
     * The exported module under {@code /usr/bin/python3}'s PyTorch gives the Java denoiser's D(x; σ) and the Java
     * network's F(x, c_noise, class) to float32 rounding, for the shipped model and a tiny network of each kind.
     */
    @Test
    void pythonRebuildGivesTheJavaOutputs() throws Exception {
        String unavailable = pythonTorchUnavailable();
        if (unavailable != null) {
            System.err.println("ExportCommandTest: SKIPPED the PyTorch equality check: " + unavailable);
        }
        Assumptions.assumeTrue(unavailable == null, () -> "PyTorch equality check skipped: " + unavailable);

        Map<String, Path> cases = new LinkedHashMap<>();
        cases.put("mnist-edm", exportCase("mnist-edm", null));
        NetworkConfig.Mlp mlp = new NetworkConfig.Mlp(3, 32, 2, 16, 3);
        NetworkConfig.Mlp plain = new NetworkConfig.Mlp(3, 32, 2, 16, 0);
        cases.put("mlp-edm", exportCase("mlp-edm", randomRun("mlp-edm", mlp, Preconditioning.edm("edm", 0.5), 1)));
        cases.put("mlp-vp-epsilon-time", exportCase("mlp-vp-epsilon-time", randomRun("mlp-vp-epsilon-time", plain,
                new Preconditioning("vp", "epsilon", 1, false, "time"), 2)));
        cases.put("mlp-linear-velocity", exportCase("mlp-linear-velocity", randomRun("mlp-linear-velocity", mlp,
                Preconditioning.predicting("linear", "velocity", 0.5), 3)));
        cases.put("mlp-gvp-score", exportCase("mlp-gvp-score", randomRun("mlp-gvp-score", plain,
                new Preconditioning("gvp", "score", 0.5, true, "log-half-sigma"), 4)));
        cases.put("mlp-vp-cosine-data", exportCase("mlp-vp-cosine-data", randomRun("mlp-vp-cosine-data", plain,
                new Preconditioning("vp-cosine", "data", 0.5, true, "time"), 5)));
        cases.put("mlp-ddpm-linear-v", exportCase("mlp-ddpm-linear-v", randomRun("mlp-ddpm-linear-v", plain,
                Preconditioning.predicting("ddpm-linear", "v", 0.5), 6)));
        cases.put("mlp-ddpm-cosine-epsilon", exportCase("mlp-ddpm-cosine-epsilon", randomRun(
                "mlp-ddpm-cosine-epsilon", plain, new Preconditioning("ddpm-cosine", "epsilon", 1, false, "time"), 7)));
        cases.put("mlp-ddpm-scaled-edm", exportCase("mlp-ddpm-scaled-edm", randomRun("mlp-ddpm-scaled-edm", plain,
                Preconditioning.edm("ddpm-scaled-linear", 0.5), 8)));
        cases.put("mlp-ve-edm", exportCase("mlp-ve-edm", randomRun("mlp-ve-edm", plain,
                Preconditioning.edm("ve", 0.5), 9)));
        cases.put("unet-tiny", exportCase("unet-tiny", randomRun("unet-tiny",
                new NetworkConfig.UNet(2, 8, 8, List.of(1, 2), 1, List.of(4), 0.1, 3),
                Preconditioning.edm("edm", 0.5), 10)));
        cases.put("dit-tiny", exportCase("dit-tiny", randomRun("dit-tiny",
                new NetworkConfig.Dit(2, 8, 2, 32, 2, 4, 3), Preconditioning.predicting("linear", "velocity", 0.5),
                11)));

        List<String> command = new ArrayList<>(List.of(PYTHON, CHECKER.toAbsolutePath().toString()));
        cases.values().forEach(p -> command.add(p.toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("checker.log").toFile()).start();
        assertTrue(process.waitFor(10, TimeUnit.MINUTES), "the checker did not finish in 10 minutes");
        String log = Files.readString(dir.resolve("checker.log"));
        assertEquals(0, process.exitValue(), log);

        ObjectMapper json = new ObjectMapper();
        List<String> report = new ArrayList<>();
        int seen = 0;
        for (String line : log.split("\n")) {
            if (!line.startsWith("{")) {
                continue;
            }
            seen++;
            JsonNode r = json.readTree(line);
            String name = r.get("case").asText();
            double scale = Math.max(1, r.get("scale").asDouble());
            double denoiser = r.get("denoiser_max_abs").asDouble();
            double network = r.get("network_max_abs").asDouble();
            report.add(String.format(Locale.ROOT, "%-24s D max|Δ| %.2e, F max|Δ| %.2e (float64 rebuild: D %.2e), "
                    + "max|D| %.2f, %d evaluations", name, denoiser, network,
                    r.get("denoiser_max_abs_float64").asDouble(), r.get("scale").asDouble(),
                    r.get("evaluations").asInt()));
            assertTrue(denoiser <= BOUND * scale, name + ": D differs by " + denoiser + " (scale " + scale + ")\n"
                    + log);
            assertTrue(network <= BOUND * scale, name + ": F differs by " + network + " (scale " + scale + ")\n"
                    + log);
            if (r.has("heun_max_abs")) {
                double heun = r.get("heun_max_abs").asDouble();
                report.add(String.format(Locale.ROOT, "%-24s k-diffusion heun (18 steps, README snippet) vs d4j "
                        + "sample: max|Δ| %.2e, max|x| %.2f", name, heun, r.get("heun_scale").asDouble()));
                assertTrue(heun <= SAMPLING_BOUND, name + ": 18 Heun steps differ by " + heun + "\n" + log);
            }
        }
        System.out.println("ExportCommandTest: PyTorch (" + PYTHON + ") rebuild vs Java, float32:\n  "
                + String.join("\n  ", report));
        assertEquals(cases.size(), seen, log);
    }

    /** Exports {@code run} (or the bundled mnist-edm if null) to CASE/export and writes the Java outputs beside. */
    private Path exportCase(String name, Path run) throws IOException {
        Path caseDir = Files.createDirectories(dir.resolve("cases").resolve(name));
        Path export = caseDir.resolve("export");
        CliRunner.Result r = run == null
                ? CliRunner.run("export", "--model", "bundled:mnist-edm", "--to", "pytorch", export.toString())
                : CliRunner.run("export", "--run", run.toString(), "--to", "pytorch", export.toString());
        assertEquals(0, r.exitCode(), name + ": " + r.err());
        ArrayNode cases = new ObjectMapper().createArrayNode();
        try (NDManager m = Backend.newManager()) {
            TrainedModel model = TrainedModel.load(export, m);
            Network network = model.network();
            int classes = network.config().classes();
            long[] shape = network.config().sampleShape().stream().mapToLong(Integer::longValue).toArray();
            int batch = 4;
            long[] full = new long[shape.length + 1];
            full[0] = batch;
            System.arraycopy(shape, 0, full, 1, shape.length);
            SplittableRandom random = new SplittableRandom(name.hashCode());
            NDArray clean = uniform(m, random, new Shape(full));
            NDArray noise = gaussian(m, random, new Shape(full));
            int[] labels = new int[batch];
            for (int i = 0; i < batch; i++) {
                labels[i] = i % Math.max(classes, 1);
            }
            int index = 0;
            boolean discrete = model.config().preconditioning().process().startsWith("ddpm");
            for (double sigma : discrete ? DISCRETE_SIGMAS : SIGMAS) {
                NDArray x = clean.add(noise.mul(sigma));
                write(caseDir, cases, index++, x, model.denoiser().edmView().denoise(x, sigma), "denoiser", sigma,
                        null, 1);
                if (classes > 0 && (sigma == 0.3 || sigma == 12)) {
                    write(caseDir, cases, index++, x, model.denoiser(labels, 1).edmView().denoise(x, sigma),
                            "denoiser", sigma, labels, 1);
                    write(caseDir, cases, index++, x, model.denoiser(labels, 2.5).edmView().denoise(x, sigma),
                            "denoiser", sigma, labels, 2.5);
                }
            }
            double[] noiseLabels = {-1.3, 0.2, 0.9, 2.4};
            NDArray label = NativeArrays.of(m, noiseLabels, new Shape(batch), DataType.FLOAT32);
            NDArray x = clean.add(noise.mul(0.7));
            NDArray classLabels = classes > 0 ? m.create(new int[] {0, classes, classes - 1, classes}) : null;
            NDArray f = network.forward(x, label, classLabels, false);
            ObjectNode e = write(caseDir, cases, index, x, f, "network", 0, classLabels == null ? null
                    : classLabels.toIntArray(), 1);
            e.remove("sigma");
            ArrayNode labelsJson = e.putArray("noise_label");
            for (double v : noiseLabels) {
                labelsJson.add(v);
            }
        }
        Files.writeString(caseDir.resolve("cases.json"), cases.toPrettyString(), StandardCharsets.UTF_8);
        if (run == null) {
            sampleWithJava(caseDir);
        }
        return caseDir;
    }

    /**
     * {@code d4j sample --sampler heun} with the run's default grid from a fixed start, for the checker to compare
     * with the README's k-diffusion snippet.
     */
    private static void sampleWithJava(Path caseDir) throws IOException {
        try (NDManager m = Backend.newManager()) {
            NDArray init = gaussian(m, new SplittableRandom(7), new Shape(4, 1, 28, 28)).mul(80);
            ArrayFiles.write(caseDir.resolve("init.npy"), init);
        }
        CliRunner.Result r = CliRunner.run("sample", "--model", "bundled:mnist-edm", "--sampler", "heun", "--steps",
                "18", "--init", caseDir.resolve("init.npy").toString(), "--out",
                caseDir.resolve("samples.npy").toString(), "--quiet");
        assertEquals(0, r.exitCode(), r.err());
        ObjectNode spec = new ObjectMapper().createObjectNode();
        spec.put("init", "init.npy");
        spec.put("output", "samples.npy");
        spec.put("steps", 18);
        Files.writeString(caseDir.resolve("sampling.json"), spec.toPrettyString(), StandardCharsets.UTF_8);
    }

    private static ObjectNode write(Path caseDir, ArrayNode cases, int index, NDArray x, NDArray out, String kind,
            double sigma, int[] classes, double guidance) {
        ArrayFiles.write(caseDir.resolve("x" + index + ".npy"), x);
        ArrayFiles.write(caseDir.resolve("out" + index + ".npy"), out);
        ObjectNode e = cases.addObject();
        e.put("kind", kind);
        e.put("input", "x" + index + ".npy");
        e.put("output", "out" + index + ".npy");
        e.put("sigma", sigma);
        e.put("cfg_scale", guidance);
        if (classes != null) {
            ArrayNode c = e.putArray("classes");
            for (int v : classes) {
                c.add(v);
            }
        }
        return e;
    }

    /**
     * A run directory with config.json and model.safetensors: {@code network} with every weight drawn at random
     * (none zero or one, so each layer matters), on {@code preconditioning}.
     */
    private Path randomRun(String name, NetworkConfig network, Preconditioning preconditioning, long seed) {
        TrainingConfig base = Presets.named("toy-2d");
        List<Integer> shape = network.sampleShape();
        TrainingConfig.Data data = shape.size() == 1 ? base.data()
                : new TrainingConfig.Data("folder", "images", 0, shape.get(0), shape.get(1), false, shape);
        if (shape.size() == 1 && shape.get(0) != 2) {
            data = new TrainingConfig.Data("gmm", "eight-gaussians", 100, 0, 0, false, shape);
        }
        return randomRun(new TrainingConfig(name, data, network, preconditioning, base.time(), base.optimization(),
                base.sampling()), seed);
    }

    /** A run directory of {@code config} with random weights. */
    private Path randomRun(TrainingConfig config, long seed) {
        NetworkConfig network = config.network();
        Path run = dir.resolve("runs").resolve(config.name());
        try (NDManager m = Backend.newManager()) {
            Network initial = network.initialize(m, DataType.FLOAT32, seed);
            SplittableRandom random = new SplittableRandom(seed);
            Map<String, NDArray> weights = new LinkedHashMap<>();
            initial.weights().all().forEach((weightName, w) -> {
                Shape s = w.getShape();
                double bound = s.dimension() == 1 ? 0.3 : 1.5 / Math.sqrt(s.size() / (double) s.get(0));
                NDArray values = uniform(m, random, s).mul(bound);
                if (weightName.matches(".*norm\\d?\\.weight")) {
                    values = values.add(1);
                }
                weights.put(weightName, values);
            });
            config.write(run.resolve("config.json"));
            Safetensors.write(run.resolve("model.safetensors"), weights);
        }
        return run;
    }

    private static NDArray uniform(NDManager m, SplittableRandom random, Shape shape) {
        double[] v = new double[Math.toIntExact(shape.size())];
        for (int i = 0; i < v.length; i++) {
            v[i] = 2 * random.nextDouble() - 1;
        }
        return NativeArrays.of(m, v, shape, DataType.FLOAT32);
    }

    private static NDArray gaussian(NDManager m, SplittableRandom random, Shape shape) {
        double[] v = new double[Math.toIntExact(shape.size())];
        for (int i = 0; i < v.length; i++) {
            v[i] = random.nextGaussian();
        }
        return NativeArrays.of(m, v, shape, DataType.FLOAT32);
    }

    /** Null if {@code /usr/bin/python3} imports torch and numpy; else why not. */
    private static String pythonTorchUnavailable() {
        if (!Files.isExecutable(Path.of(PYTHON))) {
            return PYTHON + " does not exist (install Debian's python3-torch to run it)";
        }
        try {
            Process p = new ProcessBuilder(PYTHON, "-c", "import torch, numpy").redirectErrorStream(true).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return PYTHON + " -c 'import torch' did not finish in 120 s";
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return p.exitValue() == 0 ? null : PYTHON + " cannot import torch and numpy (" + lastLine(out)
                    + "; Debian: apt install python3-torch)";
        } catch (IOException e) {
            return "cannot run " + PYTHON + ": " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    private static String lastLine(String text) {
        String[] lines = text.split("\n");
        return lines[lines.length - 1];
    }
}
