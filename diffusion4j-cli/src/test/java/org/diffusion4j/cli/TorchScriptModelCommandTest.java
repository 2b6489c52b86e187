package org.diffusion4j.cli;

import static org.diffusion4j.cli.CliRunner.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.generate.GenerationRequest;
import org.diffusion4j.generate.TorchScriptModel;
import org.diffusion4j.io.ArrayFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --model torchscript:FILE.pt} on core's committed TorchScript fixtures. */
class TorchScriptModelCommandTest {
    /** The fixtures of src/test/python/make_torchscript_fixtures.py (the module directory is the working directory). */
    private static final Path FIXTURES = Path.of("../diffusion4j-core/src/test/resources/org/diffusion4j/torchscript");

    @Test
    void samplesTheEdmFixtureAsTheLibraryDoes(@TempDir Path dir) {
        Path module = FIXTURES.resolve("edm-classes.pt");
        assertTrue(Files.isRegularFile(module), module.toAbsolutePath().toString());
        Path out = dir.resolve("x.npy");
        CliRunner.Result r = CliRunner.run("sample", "--model", "torchscript:" + module, "--sampler", "heun",
                "--steps", "6", "--n", "3", "--seed", "20", "--class", "1", "--cfg-scale", "2", "--out",
                out.toString(), "--quiet");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("heun: 3 samples, 6 steps, NFE 11"), r.out());
        try (NDManager m = Backend.newManager()) {
            NDArray written = ArrayFiles.read(out, m);
            assertEquals(new Shape(3, 1, 8, 8), written.getShape());
            NDArray direct = TorchScriptModel.load(module, m).generator().generate(GenerationRequest.builder(
                    new long[] {20, 21, 22}).classes(new int[] {1, 1, 1}).guidance(2).sampler("heun").steps(6)
                    .build(), m).samples();
            assertEquals(0, written.toType(DataType.FLOAT64, false).sub(direct.toType(DataType.FLOAT64, false)).abs()
                    .max().getDouble());
        }
    }

    @Test
    void theHelpNamesTorchScriptModels() {
        String help = CliRunner.run("sample", "--help").out().replaceAll("\\s+", " ");
        assertTrue(help.contains("torchscript:FILE.pt, a traced or scripted PyTorch denoiser with its sidecar "
                + "FILE.json"), help);
    }

    @Test
    void whatDoesNotFitIsNamed(@TempDir Path dir) throws Exception {
        String out = dir.resolve("x.npy").toString();
        Path module = Files.copy(FIXTURES.resolve("vp-eps-ddpm.pt"), dir.resolve("model.pt"));
        assertError(dir.resolve("model.json") + ": no such sidecar file", "sample", "--model", "torchscript:" + module,
                "--sampler", "ddim", "--steps", "4", "--out", out);
        Files.writeString(dir.resolve("model.json"), "{\"sample_shape\": [2], \"prediction\": \"eps\", "
                + "\"process\": \"ddpm-linear\", \"noise_label\": \"timestep\"}");
        assertError("model.json: field 'prediction': expected one of epsilon, data, v, velocity, score, edm, got "
                + "\"eps\"", "sample", "--model", "torchscript:" + module, "--sampler", "ddim", "--steps", "4",
                "--out", out);
        Files.writeString(dir.resolve("model.json"), "{\"sample_shape\": [1, 8, 8], \"prediction\": \"epsilon\", "
                + "\"process\": \"ddpm-linear\", \"noise_label\": \"timestep\"}");
        assertError("model.pt: the module fails on a probe batch, forward(x: float32 (1, 1, 8, 8), noise_label: "
                + "float32 (1))", "sample", "--model", "torchscript:" + module, "--sampler", "ddim", "--steps", "4",
                "--out", out);
        assertError("the TorchScript model's sidecar sets process edm; --process vp cannot change it", "sample",
                "--model", "torchscript:" + FIXTURES.resolve("edm-classes.pt"), "--sampler", "ddim", "--steps", "4",
                "--process", "vp", "--out", out);
    }

    /** {@code d4j eval} measures a TorchScript model against the reference it is given, and needs one. */
    @Test
    void evaluatesAgainstTheGivenReference() {
        String vp = "torchscript:" + FIXTURES.resolve("vp-eps-ddpm.pt");
        CliRunner.Result r = CliRunner.run("eval", "--model", vp, "--reference", "gmm:eight-gaussians", "--sampler",
                "ddim", "--nfe", "10", "--n", "200", "--quiet");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains(vp + ", ddim 10 steps (NFE 10 per sample), 200 samples"), r.out());
        assertTrue(r.out().contains("sliced Wasserstein"), r.out());
        assertError("a torchscript: model names no data to be measured against; give --reference", "eval",
                "--model", vp, "--nfe", "4", "--n", "10");
        assertError("draws samples of shape (1, 8, 8) but --reference gmm:eight-gaussians has samples of shape (2)",
                "eval", "--model", "torchscript:" + FIXTURES.resolve("edm-classes.pt"), "--reference",
                "gmm:eight-gaussians", "--nfe", "4", "--n", "10");
        assertError("--reference is for torchscript: models", "eval", "--model", "bundled:mnist-edm", "--reference",
                "mnist", "--nfe", "4", "--n", "10");
    }
}
