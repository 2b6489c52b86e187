package org.diffusion4j.cli;

import static org.diffusion4j.cli.CliRunner.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.diffusion4j.io.UserFiles;
import org.diffusion4j.train.Presets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code d4j distill}: a small mixture distillation end to end, its resume, its report, and its refusals. */
class DistillCommandTest {

    @Test
    void distilsAMixtureAndTheRunSamplesAtItsOwnSteps(@TempDir Path dir) throws Exception {
        String out = dir.resolve("pd").toString();
        CliRunner.Result r = CliRunner.run("distill", "--teacher", "gmm:eight-gaussians", "--from", "4", "--to", "1",
                "--steps-per-round", "20", "--batch", "64", "--lr", "1e-3", "--checkpoint-every", "10",
                "--log-every", "5", "--gap-samples", "32", "--out", out, "--quiet");
        assertEquals(0, r.exitCode(), r.err() + r.out());
        assertTrue(r.out().contains("round 1 of 2: 4 → 2 steps"), r.out());
        assertTrue(r.out().contains("round 2 done: 1 steps, 20 training steps in"), r.out());
        JsonNode report = UserFiles.readJson(Path.of(out, "distill-report.json"));
        assertEquals(2, report.path("rounds").size());
        assertEquals(1, report.path("final_steps").asInt());
        assertTrue(report.path("rounds").get(0).path("wall_seconds").asDouble() > 0);
        assertTrue(Files.isRegularFile(Path.of(out, "steps-2", "samples", "step-0000020.png")));

        // resuming a finished distillation trains nothing and writes the same report
        CliRunner.Result again = CliRunner.run("distill", "--resume", "--out", out, "--quiet");
        assertEquals(0, again.exitCode(), again.err());
        assertTrue(again.out().contains("round 2 done"), again.out());

        // d4j sample --run samples the distilled run at its own sampler and step count
        String npy = dir.resolve("s.npy").toString();
        CliRunner.Result s = CliRunner.run("sample", "--run", out, "--n", "8", "--out", npy, "--quiet");
        assertEquals(0, s.exitCode(), s.err());
        assertTrue(s.out().startsWith("ddim: 8 samples, 1 steps, NFE 1"), s.out());
        CliRunner.Result s2 = CliRunner.run("sample", "--run", Path.of(out, "steps-2").toString(), "--n", "8",
                "--out", npy, "--quiet");
        assertTrue(s2.out().startsWith("ddim: 8 samples, 2 steps, NFE 2"), s2.out());
        CliRunner.Result e = CliRunner.run("eval", "--run", out, "--n", "200", "--quiet");
        assertEquals(0, e.exitCode(), e.err());
        assertTrue(e.out().contains("ddim 1 steps (NFE 1 per sample)"), e.out());
    }

    @Test
    void badInputsFailWithoutWriting(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        Path psld = dir.resolve("psld");
        Presets.named("mnist-psld").write(psld.resolve("config.json"));
        assertError("is a phase-space (PSLD) model (field phase_space is set)", "distill", "--teacher",
                psld.toString(), "--out", out.toString());
        Path toy = dir.resolve("toy");
        Presets.named("toy-2d").write(toy.resolve("config.json"));
        assertError(toy.resolve("model.safetensors") + ": the teacher's weights are missing", "distill",
                "--teacher", toy.toString(), "--out", out.toString());
        assertError("--from must be --to times a power of two (2, 4, 8, …): expected 1·2^k, got --from 48 with "
                + "--to 1 (ratio 48)", "distill", "--teacher", "gmm:eight-gaussians", "--from", "48", "--out",
                out.toString());
        assertError("--from must be --to times a power of two", "distill", "--teacher", "gmm:eight-gaussians",
                "--from", "64", "--to", "3", "--out", out.toString());
        assertError("--prediction v: the student starts from the teacher's weights, so it keeps the teacher's "
                + "prediction edm", "distill", "--teacher", "bundled:mnist-edm", "--prediction", "v", "--out",
                out.toString());
        assertError("a TorchScript model cannot be distilled", "distill", "--teacher", "torchscript:x.pt", "--out",
                out.toString());
        assertError("no such distillation plan", "distill", "--resume", "--out", out.toString());
        assertFalse(Files.exists(out), "nothing written");
        // a run that is not distilled samples only with --sampler and --steps, checked before its model loads (this
        // one has no weights, so a later check would report those)
        assertError("--sampler is required: " + toy + " records no sampling of its own", "sample", "--run",
                toy.toString(), "--out", dir.resolve("x.npy").toString());
        assertError("--nfe is required: " + toy + " records no sampling of its own", "eval", "--run",
                toy.toString());
    }

    /** A tiny DMD2 run end to end: probe lines, previews, the run sampled and evaluated at its own two levels. */
    @Test
    void dmd2TrainsAFewStepGeneratorThatSamplesAtItsOwnLevels(@TempDir Path dir) throws Exception {
        Path init = dir.resolve("init");
        org.diffusion4j.train.TrainingConfig toy = Presets.named("toy-2d");
        toy.write(init.resolve("config.json"));
        try (ai.djl.ndarray.NDManager m = org.diffusion4j.backend.Backend.newManager()) {
            org.diffusion4j.io.Safetensors.write(init.resolve("model.safetensors"), toy.network().initialize(m,
                    ai.djl.ndarray.types.DataType.FLOAT32, 1).weights().all());
        }
        String out = dir.resolve("dmd2").toString();
        CliRunner.Result r = CliRunner.run("distill", "--method", "dmd2", "--teacher", "gmm:eight-gaussians", "--init",
                init.toString(), "--generator-steps", "2", "--backward-simulation", "--critic-updates", "2",
                "--steps", "6", "--batch", "32", "--lr", "1e-4", "--probe-every", "3", "--probe-samples", "100",
                "--sample-every", "3", "--log-every", "3", "--checkpoint-every", "3", "--out", out, "--quiet");
        assertEquals(0, r.exitCode(), r.err() + r.out());
        assertTrue(r.out().contains("DMD2: a 2-step generator") && r.out().contains("step 6: probe_swd "), r.out());
        assertTrue(Files.isRegularFile(Path.of(out, "samples", "step-0000006.png")));
        assertTrue(UserFiles.readText(Path.of(out, "metrics.jsonl")).contains("\"probe_swd\""));
        assertEquals(2, UserFiles.readJson(Path.of(out, "dmd2.json")).path("generator_steps").asInt());

        String npy = dir.resolve("s.npy").toString();
        CliRunner.Result s = CliRunner.run("sample", "--run", out, "--n", "8", "--out", npy, "--quiet");
        assertEquals(0, s.exitCode(), s.err());
        assertTrue(s.out().startsWith("lcm: 8 samples, 2 steps, NFE 2"), s.out());
        CliRunner.Result e = CliRunner.run("eval", "--run", out, "--n", "200", "--quiet");
        assertEquals(0, e.exitCode(), e.err());
        assertTrue(e.out().contains("lcm 2 steps (NFE 2 per sample)") && e.out().contains("worst mode mass error"),
                e.out());
        CliRunner.Result again = CliRunner.run("distill", "--method", "dmd2", "--resume", "--out", out, "--quiet");
        assertEquals(0, again.exitCode(), again.err());
        assertTrue(again.out().contains("done: 6 generator updates (0 now)"), again.out());
    }

    @Test
    void optionsOfTheOtherMethodAndBadDmd2SettingsAreRefused(@TempDir Path dir) throws Exception {
        String out = dir.resolve("out").toString();
        assertError("--from is an option of --method progressive, not of --method dmd2", "distill", "--method",
                "dmd2", "--teacher", "bundled:mnist-edm", "--from", "8", "--out", out);
        assertError("--gan-weight is an option of --method dmd2, not of --method progressive", "distill",
                "--teacher", "bundled:mnist-edm", "--gan-weight", "0", "--out", out);
        assertError("--generator-steps must be between 1 and 1000, got 0", "distill", "--method", "dmd2",
                "--teacher", "bundled:mnist-edm", "--generator-steps", "0", "--out", out);
        assertError("is an exact mixture, which has no network", "distill", "--method", "dmd2", "--teacher",
                "gmm:eight-gaussians", "--out", out);
        assertError("unknown --method 'gan'", "distill", "--method", "gan", "--teacher", "bundled:mnist-edm",
                "--out", out);
        assertError("the probe (--probe-every 250) measures the generator against the teacher's data, which cannot "
                + "be loaded", "distill", "--method", "dmd2", "--teacher", "bundled:mnist-edm", "--gan-weight", "0",
                "--data", dir.resolve("nothing").toString(), "--offline", "--out", out);
        assertFalse(Files.exists(Path.of(out)), "nothing written");
    }
}
