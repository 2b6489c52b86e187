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
import java.util.List;
import org.diffusion4j.audio.Audio;
import org.diffusion4j.audio.WavFiles;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.denoise.GaussianMixtureDenoiser;
import org.diffusion4j.denoise.MixtureSpec;
import org.diffusion4j.grid.GridSpec;
import org.diffusion4j.io.ArrayFiles;
import org.diffusion4j.nn.NetworkConfig;
import org.diffusion4j.process.VpLinearSchedule;
import org.diffusion4j.sample.SamplerRegistry;
import org.diffusion4j.sample.Sampling;
import org.diffusion4j.train.Presets;
import org.diffusion4j.train.TrainingConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SampleCommandTest {

    @Test
    void writesWhatTheLibraryComputes(@TempDir Path dir) {
        Path out = dir.resolve("x.npy");
        CliRunner.Result r = CliRunner.run("sample", "--model", "gmm:eight-gaussians", "--sampler",
                "dpmpp-2m-sde:eta=0.5", "--steps", "12", "--process", "vp", "--n", "5", "--seed", "40", "--dtype",
                "float64", "--out", out.toString(), "--quiet");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("dpmpp-2m-sde: 5 samples, 12 steps, NFE 12"), r.out());
        try (NDManager m = Backend.newManager()) {
            NDArray written = ArrayFiles.read(out, m);
            VpLinearSchedule vp = new VpLinearSchedule();
            NDArray direct = Sampling.of(SamplerRegistry.create("dpmpp-2m-sde:eta=0.5"),
                    new GaussianMixtureDenoiser(MixtureSpec.bundled("eight-gaussians"), vp).edmView(),
                    new GridSpec.Karras(0.002, 80, 7).build(12, vp, true))
                    .generate(new long[] {40, 41, 42, 43, 44}, new Shape(2), DataType.FLOAT64, m).samples();
            assertEquals(new Shape(5, 2), written.getShape());
            assertTrue(written.sub(direct).abs().max().getDouble() == 0);
        }
    }

    @Test
    void startsFromAGivenInitAndWritesEveryFormat(@TempDir Path dir) throws Exception {
        Path init = dir.resolve("init.npy");
        try (NDManager m = Backend.newManager()) {
            ArrayFiles.write(init, m.randomNormal(0, 80, new Shape(7, 2), DataType.FLOAT32));
        }
        for (String name : new String[] {"x.csv", "x.npz", "x.png"}) {
            Path out = dir.resolve(name);
            CliRunner.Result r = CliRunner.run("sample", "--model", "gmm:eight-gaussians", "--sampler", "heun",
                    "--steps", "6", "--init", init.toString(), "--out", out.toString(), "--quiet");
            assertEquals(0, r.exitCode(), r.err());
            assertTrue(Files.isRegularFile(out) && out.toFile().length() > 0, name);
        }
        assertEquals(7, Files.readAllLines(dir.resolve("x.csv")).size());
    }

    /**
     * A run trained (two steps) on spoken digits as complex spectrograms (two channels, 64 × 64) draws its training
     * preview and a sampled .png as each image's real and imaginary parts side by side, and samples to a WAV.
     */
    @Test
    void aComplexSpectrogramRunPreviewsAndDrawsItsTwoChannels(@TempDir Path dir) throws Exception {
        Path data = ToneDigits.write(dir.resolve("data"));
        TrainingConfig preset = Presets.named("digits-complex-edm");
        TrainingConfig.Optimization o = preset.optimization();
        TrainingConfig.Sampling s = preset.sampling();
        TrainingConfig tiny = new TrainingConfig("tiny-complex", preset.data(),
                new NetworkConfig.UNet(2, 64, 8, List.of(1, 2), 1, List.of(), 0, 10), preset.preconditioning(),
                preset.time(), new TrainingConfig.Optimization(4, 2, 1e-3, 1, o.beta1(), o.beta2(), o.epsilon(), 0,
                        1.0, 0, 0, 0, 0, 2, 2, 1),
                new TrainingConfig.Sampling("euler", 2, s.sigmaMin(), s.sigmaMax(), s.rho(), 4));
        Path run = train(tiny, data, dir);
        int cellWidth = 2 * 64 * 2 + 2;
        java.awt.image.BufferedImage preview = javax.imageio.ImageIO.read(
                run.resolve("samples").resolve("step-0000002.png").toFile());
        assertEquals(10 * cellWidth + 2, preview.getWidth(), "ten columns of two 64-pixel panels at zoom 2");
        assertEquals(64 * 2 + 2 + 2, preview.getHeight(), "four previews fill one row");
        Path png = dir.resolve("x.png");
        CliRunner.Result r = CliRunner.run("sample", "--run", run.toString(), "--sampler", "euler", "--steps", "2",
                "--n", "12", "--out", png.toString(), "--quiet");
        assertEquals(0, r.exitCode(), r.err());
        java.awt.image.BufferedImage drawn = javax.imageio.ImageIO.read(png.toFile());
        assertEquals(10 * cellWidth + 2, drawn.getWidth());
        assertEquals(2 * (64 * 2 + 2) + 2, drawn.getHeight(), "twelve samples in two rows");
        Path wav = dir.resolve("x.wav");
        r = CliRunner.run("sample", "--run", run.toString(), "--sampler", "euler", "--steps", "2", "--n", "1",
                "--out", wav.toString(), "--quiet");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(4032, WavFiles.read(wav).length());
    }

    /**
     * A run trained (two steps) on spoken digits as log-mel images samples straight to WAV: one clip to --out, several
     * to numbered files, each the feature's length at its rate; other models are refused a .wav by name. The same run
     * is measured by {@code d4j eval-audio} (with the bundled classifier), whose JSON holds what it printed.
     */
    @Test
    void anAudioRunSamplesToWavFilesAndIsMeasured(@TempDir Path dir) throws Exception {
        Path data = ToneDigits.write(dir.resolve("data"));
        TrainingConfig preset = Presets.named("digits-mel-edm");
        TrainingConfig.Optimization o = preset.optimization();
        TrainingConfig tiny = new TrainingConfig("tiny-mel", preset.data(),
                new NetworkConfig.UNet(1, 32, 8, List.of(1, 2), 1, List.of(), 0, 10), preset.preconditioning(),
                preset.time(), new TrainingConfig.Optimization(4, 2, 1e-3, 1, o.beta1(), o.beta2(), o.epsilon(), 0,
                        1.0, 0, 0, 0, 0, 2, 0, 1), preset.sampling());
        Path run = train(tiny, data, dir);
        Path one = dir.resolve("one.wav");
        CliRunner.Result r = CliRunner.run("sample", "--run", run.toString(), "--sampler", "heun", "--steps", "3",
                "--n", "1", "--class", "7", "--out", one.toString(), "--quiet");
        assertEquals(0, r.exitCode(), r.err());
        Audio clip = WavFiles.read(one);
        assertEquals(8000, clip.sampleRate());
        assertEquals(4032, clip.length());
        r = CliRunner.run("sample", "--run", run.toString(), "--sampler", "euler", "--steps", "2", "--n", "3",
                "--out", dir.resolve("many.wav").toString(), "--quiet");
        assertEquals(0, r.exitCode(), r.err());
        for (int i = 0; i < 3; i++) {
            assertEquals(4032, WavFiles.read(dir.resolve("many-" + i + ".wav")).length());
        }
        assertTrue(Files.notExists(dir.resolve("many.wav")));
        Path json = dir.resolve("audio.json");
        r = CliRunner.run("eval-audio", "--run", run.toString(), "--steps", "2", "--n", "5", "--data", data.toString(),
                "--json", json.toString(), "--quiet");
        assertEquals(0, r.exitCode(), r.err());
        com.fasterxml.jackson.databind.JsonNode measured = org.diffusion4j.io.UserFiles.readJson(json);
        assertEquals(5, measured.path("clips").asInt());
        assertEquals(2, measured.path("steps").asInt());
        double intelligibility = measured.path("intelligibility").asDouble();
        assertTrue(r.out().contains(String.format(java.util.Locale.ROOT, "intelligibility        %9.4f",
                intelligibility)), r.out());
        assertTrue(Double.isFinite(measured.path("fad").asDouble()), measured.toString());

        assertError("a .wav needs a --run or bundled model trained on audio", "sample", "--model",
                "gmm:eight-gaussians", "--sampler", "euler", "--steps", "2", "--out", dir.resolve("x.wav").toString());
        assertError("a .wav needs a model trained on audio, but bundled:mnist-edm trained on mnist", "sample",
                "--model", "bundled:mnist-edm", "--steps", "2", "--out", dir.resolve("x.wav").toString());
        r = CliRunner.run("sample", "--model", "bundled:digits-tts-bridge", "--sampler", "bridge-ode", "--steps", "2",
                "--n", "1", "--class", "4", "--out", dir.resolve("four.wav").toString(), "--quiet");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(4032, WavFiles.read(dir.resolve("four.wav")).length(), "the shipped TTS model says a word");
        Path toy = dir.resolve("toy.json");
        TrainCommandTest.tiny(2, 2, 1e-3).write(toy);
        Path toyRun = dir.resolve("toy");
        assertEquals(0, CliRunner.run("train", "--config", toy.toString(), "--out", toyRun.toString(), "--quiet")
                .exitCode());
        assertError("a .wav needs a model trained on audio, but " + toyRun + " trained on gmm", "sample", "--run",
                toyRun.toString(), "--sampler", "euler", "--steps", "2", "--out", dir.resolve("x.wav").toString());
        assertError(toyRun + " trained on gmm; eval-audio measures models of spoken digits", "eval-audio", "--run",
                toyRun.toString(), "--steps", "2");
    }

    @Test
    void badInputGetsAMessageAndANonZeroExit(@TempDir Path dir) throws Exception {
        String out = dir.resolve("x.npy").toString();
        assertError("unknown sampler 'eulr'; known samplers: euler, euler-ancestral, heun",
                "sample", "--model", "gmm:eight-gaussians", "--sampler", "eulr", "--steps", "4", "--out", out);
        assertError("grid must be strictly decreasing, but σ[1] = 2.0 ≥ σ[0] = 1.0", "sample", "--model",
                "gmm:eight-gaussians", "--sampler", "euler", "--steps", "4", "--grid", "list", "--sigmas", "1,2",
                "--out", out);
        assertError("grid σ[1] = -0.5 is negative", "sample", "--model", "gmm:eight-gaussians", "--sampler", "euler",
                "--steps", "4", "--grid", "list", "--sigmas", "1,-0.5", "--no-final-zero", "--out", out);
        Path spec = dir.resolve("bad.json");
        Files.writeString(spec, "{\"weights\": [1], \"means\": [[0, 0]], \"variances\": [[1]]}");
        assertError("bad.json: mixture component 0 has 2 mean and 1 variance values", "sample", "--model",
                "gmm:" + spec, "--sampler", "euler", "--steps", "4", "--out", out);
        Path npy = dir.resolve("broken.npy");
        Files.writeString(npy, "\u0093NUMPY garbage");
        assertError("broken.npy: not a valid NumPy array file", "sample", "--model", "gmm:eight-gaussians",
                "--sampler", "euler", "--steps", "4", "--init", npy.toString(), "--out", out);
        Path wide = dir.resolve("wide.npy");
        try (NDManager m = Backend.newManager()) {
            ArrayFiles.write(wide, m.ones(new Shape(4, 3)));
        }
        assertError("has shape (4, 3) but gmm:eight-gaussians takes samples of shape (2)", "sample", "--model",
                "gmm:eight-gaussians", "--sampler", "euler", "--steps", "4", "--init", wide.toString(), "--out", out);
        assertError("a .png needs images or 2-D samples; these have shape (1)", "sample", "--model", "gmm:two-gaussians-1d",
                "--sampler", "euler", "--steps", "4", "--out", dir.resolve("x.png").toString(), "--quiet");
        assertError("unknown model 'mix.json'", "sample", "--model", "mix.json", "--sampler", "euler", "--steps",
                "4", "--out", out);
        assertError("unknown process 'vpp'", "sample", "--model", "gmm:eight-gaussians", "--sampler", "euler",
                "--steps", "4", "--process", "vpp", "--out", out);
        assertError("class 11 is out of range: the model has 10 classes, 0 … 9", "sample", "--model",
                "bundled:mnist-edm", "--sampler", "euler", "--steps", "2", "--n", "1", "--class", "11", "--out", out);
        assertError("guidance scale 2.0 needs a class per sample", "sample", "--model", "gmm:eight-gaussians",
                "--sampler", "euler", "--steps", "4", "--cfg-scale", "2", "--out", out);
    }

    @Test
    void helpIsCompleteForEveryCommand() {
        for (String[] args : new String[][] {{"--help"}, {"sample", "--help"}, {"bench", "--help"},
            {"bench", "samplers", "--help"}}) {
            CliRunner.Result r = CliRunner.run(args);
            assertEquals(0, r.exitCode());
            assertTrue(r.out().contains("Usage: d4j"), r.out());
        }
        assertTrue(CliRunner.run("sample", "--help").out().contains("dpmpp-3m-sde"));
        assertEquals(2, CliRunner.run("sample", "--bogus").exitCode());
    }

    /** Trains {@code config} on the spoken digits in {@code data} into {@code dir}/run, which it returns. */
    private static Path train(TrainingConfig config, Path data, Path dir) throws Exception {
        Path file = dir.resolve("tiny.json");
        config.write(file);
        Path run = dir.resolve("run");
        CliRunner.Result r = CliRunner.run("train", "--config", file.toString(), "--data", data.toString(),
                "--out", run.toString(), "--quiet");
        assertEquals(0, r.exitCode(), r.err());
        return run;
    }
}
