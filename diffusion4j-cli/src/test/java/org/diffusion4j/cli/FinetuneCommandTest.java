package org.diffusion4j.cli;

import static org.diffusion4j.cli.CliRunner.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.diffusion4j.train.RunDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code d4j finetune}: a small DGPO run on a toy model end to end, its resume, and its refusals. */
class FinetuneCommandTest {

    @Test
    void fineTunesAToyModelTowardsARegionAndTheRunIsAModel(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("tiny.json");
        TrainCommandTest.tiny(100, 100, 1e-3).write(config);
        Path model = dir.resolve("model");
        assertEquals(0, CliRunner.run("train", "--config", config.toString(), "--out", model.toString(), "--quiet")
                .exitCode());
        String out = dir.resolve("dgpo").toString();
        String[] args = {"finetune", "--model", model.toString(), "--reward", "region:xmin=0", "--out", out,
            "--group-size", "4", "--groups-per-step", "2", "--rollout-steps", "4", "--timesteps", "2",
            "--truncation", "2", "--steps", "4", "--lr", "1e-3", "--checkpoint-every", "2", "--quiet"};
        CliRunner.Result r = CliRunner.run(args);
        assertEquals(0, r.exitCode(), r.err() + r.out());
        assertTrue(r.out().contains("dgpo: " + model + " (") && r.out().contains("towards region:xmin=0, 4 steps of 2 "
                + "groups × 4"), r.out());
        assertTrue(r.out().contains("done: 4 steps (4 now)"), r.out());
        List<JsonNode> lines = new RunDirectory(Path.of(out)).readMetrics();
        assertEquals(5, lines.size(), "the starting model's probe, then one line per step");
        assertTrue(lines.get(0).has("probe_reward") && lines.get(4).has("probe_reward") && !lines.get(2)
                .has("probe_reward"), "probes before the first step and after the last (--probe-every 10)");
        assertTrue(lines.get(4).path("seconds").asDouble() >= lines.get(1).path("seconds").asDouble());
        assertTrue(Files.size(Path.of(out, "reward.png")) > 1000);
        assertTrue(Files.isRegularFile(Path.of(out, "samples", "step-0000000.png")), "the starting model's grid");
        assertTrue(Files.isRegularFile(Path.of(out, "samples", "step-0000004.png")), "the last grid");

        CliRunner.Result again = CliRunner.run("finetune", "--resume", "--out", out, "--quiet");
        assertEquals(0, again.exitCode(), again.err());
        assertTrue(again.out().contains("done: 4 steps (0 now)"), again.out());
        CliRunner.Result e = CliRunner.run("eval", "--run", out, "--nfe", "8", "--n", "200", "--quiet");
        assertEquals(0, e.exitCode(), e.err());

        // the SDE baseline on the same model and reward
        String sde = dir.resolve("sde").toString();
        CliRunner.Result b = CliRunner.run("finetune", "--method", "sde-grpo", "--model", model.toString(),
                "--reward", "region:xmin=0", "--out", sde, "--group-size", "4", "--groups-per-step", "2",
                "--rollout-steps", "4", "--steps", "2", "--lr", "1e-3", "--quiet");
        assertEquals(0, b.exitCode(), b.err() + b.out());
        assertTrue(Files.isRegularFile(Path.of(sde, "sde-grpo.json")));
        assertTrue(Files.size(Path.of(sde, "reward.png")) > 1000);
        long alone = Files.size(Path.of(sde, "reward.png"));
        CliRunner.Result resumed = CliRunner.run("finetune", "--resume", "--out", sde, "--compare", out, "--quiet");
        assertTrue(resumed.out().contains("done: 2 steps (0 now)"), resumed.err() + resumed.out());
        assertTrue(Files.size(Path.of(sde, "reward.png")) != alone, "the chart was redrawn with the DGPO curve");
        assertError("no such DGPO plan", "finetune", "--resume", "--out", sde, "--compare", model.toString());

        // a chart alone, of a run and the runs it is compared with, trains nothing
        Files.delete(Path.of(out, "reward.png"));
        String state = Files.readString(Path.of(out, "train-state.json"));
        CliRunner.Result chart = CliRunner.run("finetune", "--out", out, "--compare", sde, "--chart-only");
        assertEquals(0, chart.exitCode(), chart.err());
        assertTrue(Files.size(Path.of(out, "reward.png")) > 1000);
        assertEquals(state, Files.readString(Path.of(out, "train-state.json")), "nothing trained");
    }

    @Test
    void badInputsFailWithSpecificErrors(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("tiny.json");
        TrainCommandTest.tiny(10, 10, 1e-3).write(config);
        Path model = dir.resolve("model");
        assertEquals(0, CliRunner.run("train", "--config", config.toString(), "--out", model.toString(), "--quiet")
                .exitCode());
        String out = dir.resolve("out").toString();
        assertError("unknown reward 'beauty'; known rewards: class-probability, thickness, compressibility, region, "
                + "external", "finetune", "--model", model.toString(), "--reward", "beauty", "--out", out);
        assertError("--group-size must be at least 2", "finetune", "--model", model.toString(), "--reward",
                "thickness", "--group-size", "1", "--out", out);
        assertError("--reward is required; one of class-probability, thickness", "finetune", "--model",
                model.toString(), "--out", out);
        assertError("unknown --method 'ddpo'", "finetune", "--method", "ddpo", "--model", model.toString(),
                "--reward", "thickness", "--out", out);
        assertError("--eta is an option of --method sde-grpo, not of --method dgpo", "finetune", "--model",
                model.toString(), "--reward", "thickness", "--eta", "0.5", "--out", out);
        assertError("--minibatches must divide --groups-per-step 8", "finetune", "--method", "sde-grpo",
                "--model", model.toString(), "--reward", "thickness", "--minibatches", "3", "--out", out);
        assertTrue(!Files.exists(Path.of(out)), "nothing written");
    }
}
