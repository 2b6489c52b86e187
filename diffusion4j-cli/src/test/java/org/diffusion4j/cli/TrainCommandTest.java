package org.diffusion4j.cli;

import static org.diffusion4j.cli.CliRunner.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.io.Safetensors;
import org.diffusion4j.train.Presets;
import org.diffusion4j.train.RunDirectory;
import org.diffusion4j.train.RunLock;
import org.diffusion4j.train.TrainingConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainCommandTest {

    /** The toy preset, shortened, checkpointing often, without previews. */
    static TrainingConfig tiny(long steps, int checkpointEvery, double learningRate) {
        TrainingConfig base = Presets.named("toy-2d");
        TrainingConfig.Optimization o = base.optimization();
        return new TrainingConfig("tiny", base.data(), base.network(), base.preconditioning(), base.time(),
                new TrainingConfig.Optimization(256, steps, learningRate, 20, o.beta1(), o.beta2(), o.epsilon(),
                        o.weightDecay(), o.gradientClip(), o.emaHalfLifeImages(), o.emaRampUp(), 0, 3,
                        checkpointEvery, 0, 50),
                base.sampling());
    }

    /** A run killed with SIGKILL and resumed ends with exactly the weights of a run that never stopped. */
    @Test
    void killedAndResumedRunEqualsAnUninterruptedOne(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("tiny.json");
        tiny(1500, 100, 1e-3).write(config);
        Path straight = dir.resolve("straight");
        assertEquals(0, CliRunner.run("train", "--config", config.toString(), "--out", straight.toString(),
                "--quiet").exitCode());

        Path killed = dir.resolve("killed");
        Process process = new ProcessBuilder(javaBinary(), "-Dai.djl.offline=true", "-cp",
                System.getProperty("java.class.path"), "org.diffusion4j.cli.D4j", "train", "--config",
                config.toString(), "--out", killed.toString(), "--quiet").redirectErrorStream(true)
                .redirectOutput(dir.resolve("killed.log").toFile()).start();
        Path summary = killed.resolve("train-state.json");
        long deadline = System.currentTimeMillis() + 120_000;
        while (System.currentTimeMillis() < deadline && process.isAlive()) {
            if (Files.exists(summary) && Files.readString(summary).contains("\"step\" : 2")) {
                break;
            }
            Thread.sleep(20);
        }
        assertTrue(process.isAlive(), "the run should still be going when it is killed: "
                + Files.readString(dir.resolve("killed.log")));
        process.destroyForcibly().waitFor();
        String state = Files.readString(summary);
        assertFalse(state.contains("\"step\" : 1500"), "killed before the end: " + state);

        CliRunner.Result resumed = CliRunner.run("train", "--resume", "--out", killed.toString(), "--quiet");
        assertEquals(0, resumed.exitCode(), resumed.err());
        assertTrue(resumed.out().contains("starting at step 2"), resumed.out());
        try (NDManager m = Backend.newManager()) {
            for (String file : List.of("train-state.safetensors", "model.safetensors")) {
                Map<String, NDArray> a = Safetensors.read(straight.resolve(file), m);
                Map<String, NDArray> b = Safetensors.read(killed.resolve(file), m);
                assertEquals(a.keySet(), b.keySet());
                for (String name : a.keySet()) {
                    assertTrue(a.get(name).contentEquals(b.get(name)), file + ": " + name + " differs");
                }
            }
        }
        List<String> lines = Files.readAllLines(killed.resolve("metrics.jsonl"));
        assertEquals(30, lines.size(), "one metrics line per 50 steps, none repeated after the resume");
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java" + (File.separatorChar == '\\' ? ".exe" : ""))
                .toString();
    }

    @Test
    void badInputIsReportedAndNothingIsLost(@TempDir Path dir) throws Exception {
        assertError("unknown preset 'mnist-edn'; known presets: toy-2d, mnist-edm", "train", "--preset", "mnist-edn");
        assertError("mnist not found in " + dir, "train", "--preset", "mnist-edm", "--data", dir.toString(),
                "--offline", "--out", dir.resolve("run").toString());

        Path config = dir.resolve("tiny.json");
        tiny(60, 20, 1e-3).write(config);
        Path run = dir.resolve("run");
        assertEquals(0, CliRunner.run("train", "--config", config.toString(), "--out", run.toString(), "--quiet")
                .exitCode());
        assertError("already holds a training run", "train", "--config", config.toString(), "--out", run.toString());
        Path other = dir.resolve("other.json");
        tiny(60, 20, 5e-3).write(other);
        assertError("the config does not match " + run.resolve("config.json") + " (optimization.learning_rate: 0.001 "
                + "vs 0.005)", "train", "--config", other.toString(), "--out", run.toString(), "--resume");
        byte[] state = Files.readAllBytes(run.resolve("train-state.safetensors"));
        Files.write(run.resolve("train-state.safetensors"), java.util.Arrays.copyOf(state, state.length / 2));
        assertError("train-state.safetensors: corrupt or truncated", "train", "--resume", "--out", run.toString(),
                "--steps", "80");
        Files.write(run.resolve("config.json"), "{\"name\": 3".getBytes());
        assertError("config.json: invalid training config", "train", "--resume", "--out", run.toString());
    }

    /**
     * --init starts a new run from another run's model: after one step the weights are within one small Adam step of
     * it (a run started afresh, from the same seed, is ten times farther); a network that differs and --init with
     * --resume are refused before anything is written.
     */
    @Test
    void initStartsFromAnotherRunsModel(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("tiny.json");
        tiny(60, 20, 1e-3).write(config);
        Path source = dir.resolve("source");
        assertEquals(0, CliRunner.run("train", "--config", config.toString(), "--out", source.toString(), "--quiet")
                .exitCode());
        Path tuned = dir.resolve("tuned");
        CliRunner.Result r = CliRunner.run("train", "--config", config.toString(), "--out", tuned.toString(),
                "--steps", "1", "--init", source.toString(), "--quiet");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains(" from " + source), r.out());
        Path fresh = dir.resolve("fresh");
        assertEquals(0, CliRunner.run("train", "--config", config.toString(), "--out", fresh.toString(), "--steps",
                "1", "--quiet").exitCode());
        try (NDManager m = Backend.newManager()) {
            Map<String, NDArray> a = Safetensors.read(source.resolve("model.safetensors"), m);
            Map<String, NDArray> b = Safetensors.read(tuned.resolve("model.safetensors"), m);
            Map<String, NDArray> c = Safetensors.read(fresh.resolve("model.safetensors"), m);
            double fromSource = 0;
            double fromFresh = 0;
            for (String name : a.keySet()) {
                fromSource = Math.max(fromSource, b.get(name).sub(a.get(name)).abs().max().getFloat());
                fromFresh = Math.max(fromFresh, c.get(name).sub(a.get(name)).abs().max().getFloat());
            }
            assertTrue(fromSource < 1e-3, "one step from the source: " + fromSource);
            assertTrue(fromFresh > 10 * fromSource, "one step from a fresh start is elsewhere: " + fromFresh + " vs "
                    + fromSource);
        }
        assertError("--init starts a new run", "train", "--resume", "--out", tuned.toString(), "--init",
                source.toString());
        Path other = dir.resolve("other");
        assertError("--init " + source + ": its network (", "train", "--preset", "mnist-mmse-sr4-robust", "--out",
                other.toString(), "--init", source.toString());
        assertFalse(Files.exists(other.resolve("config.json")), "nothing written");
    }

    /** A second training into a run directory in use fails at once, naming the holder, and changes nothing. */
    @Test
    void aRunDirectoryInUseIsRefused(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("tiny.json");
        tiny(20, 10, 1e-3).write(config);
        Path run = dir.resolve("run");
        try (RunLock held = new RunDirectory(run).lock()) {
            assertError(run + " is in use by process " + ProcessHandle.current().pid(), "train", "--config",
                    config.toString(), "--out", run.toString(), "--quiet");
            assertFalse(Files.exists(run.resolve("config.json")), "nothing written");
            assertFalse(Files.exists(run.resolve("metrics.jsonl")), "nothing written");
        }
        assertEquals(0, CliRunner.run("train", "--config", config.toString(), "--out", run.toString(), "--quiet")
                .exitCode());
        assertEquals("", Files.readString(run.resolve("run.lock")), "released at the end");
        assertError("already holds a training run", "train", "--config", config.toString(), "--out", run.toString());
        assertEquals("", Files.readString(run.resolve("run.lock")), "released after a failure too");
    }

    /** A metrics log with a cut, non-UTF-8 last line (a kill, a bad disk) does not block the resume. */
    @Test
    void aCorruptMetricsTailIsDroppedWithAWarning(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("tiny.json");
        tiny(100, 20, 1e-3).write(config);
        Path run = dir.resolve("run");
        assertEquals(0, CliRunner.run("train", "--config", config.toString(), "--out", run.toString(), "--steps",
                "60", "--quiet").exitCode());
        Path metrics = run.resolve("metrics.jsonl");
        byte[] tail = {'{', '"', 's', 't', 'e', 'p', '"', ':', ' ', '7', (byte) 0xff, ',', ' ', '"', 'l'};
        Files.write(metrics, tail, java.nio.file.StandardOpenOption.APPEND);

        CliRunner.Result r = CliRunner.run("train", "--resume", "--out", run.toString(), "--steps", "100", "--quiet");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.err().contains("warning: " + metrics + ": dropped 1 unreadable line (line 3: not UTF-8)"),
                r.err());
        List<String> lines = Files.readAllLines(metrics);
        assertEquals(List.of(50L, 60L, 100L), lines.stream().map(l -> {
            try {
                return TrainingConfig.JSON.readTree(l).path("step").asLong();
            } catch (java.io.IOException e) {
                throw new AssertionError(l, e);
            }
        }).toList());
    }

    /** Temporary files a killed run left behind are removed when the run resumes; other files are kept. */
    @Test
    void aResumeRemovesTheTemporaryFilesOfAKilledRun(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("tiny.json");
        tiny(60, 20, 1e-3).write(config);
        Path run = dir.resolve("run");
        assertEquals(0, CliRunner.run("train", "--config", config.toString(), "--out", run.toString(), "--steps",
                "40", "--quiet").exitCode());
        List<Path> orphans = List.of(run.resolve(".model.safetensors8231861294.tmp"),
                run.resolve(".train-state.safetensors77.tmp"), run.resolve(".metrics.jsonl12.tmp"),
                run.resolve("samples/.step-0000020.png3.tmp"));
        for (Path orphan : orphans) {
            Files.createDirectories(orphan.getParent());
            Files.write(orphan, new byte[] {1, 2, 3});
        }
        Path mine = Files.writeString(run.resolve("notes.tmp"), "mine");

        CliRunner.Result r = CliRunner.run("train", "--resume", "--out", run.toString(), "--steps", "60", "--quiet");
        assertEquals(0, r.exitCode(), r.err());
        for (Path orphan : orphans) {
            assertFalse(Files.exists(orphan), orphan + " removed");
        }
        assertTrue(Files.exists(mine), "files the run did not write are kept");
        assertTrue(r.err().contains("removed 4 temporary files left by an interrupted run"), r.err());
    }

    /** Resuming a run that has reached its steps says so and trains nothing (it printed "loss NaN"). */
    @Test
    void resumingAFinishedRunSaysSoAndChangesNothing(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("tiny.json");
        tiny(40, 20, 1e-3).write(config);
        Path run = dir.resolve("run");
        assertEquals(0, CliRunner.run("train", "--config", config.toString(), "--out", run.toString(), "--quiet")
                .exitCode());
        byte[] state = Files.readAllBytes(run.resolve("train-state.safetensors"));
        List<String> metrics = Files.readAllLines(run.resolve("metrics.jsonl"));

        CliRunner.Result again = CliRunner.run("train", "--resume", "--out", run.toString(), "--quiet");
        assertEquals(0, again.exitCode(), again.err());
        assertTrue(again.out().contains(run + " is already trained to step 40 of 40; nothing to do (give a larger "
                + "--steps to train further)"), again.out());
        assertFalse(again.out().contains("NaN"), again.out());
        CliRunner.Result fewer = CliRunner.run("train", "--resume", "--out", run.toString(), "--steps", "30",
                "--quiet");
        assertEquals(0, fewer.exitCode(), fewer.err());
        assertTrue(fewer.out().contains("already trained to step 40 of 30"), fewer.out());
        assertTrue(java.util.Arrays.equals(state, Files.readAllBytes(run.resolve("train-state.safetensors"))));
        assertEquals(metrics, Files.readAllLines(run.resolve("metrics.jsonl")));
    }

    /** The preview sampler is checked before the first step, not at the first preview. */
    @Test
    void aBadPreviewSamplerFailsBeforeTraining(@TempDir Path dir) throws Exception {
        com.fasterxml.jackson.databind.node.ObjectNode json = TrainingConfig.JSON.valueToTree(tiny(20, 10, 1e-3));
        ((com.fasterxml.jackson.databind.node.ObjectNode) json.get("sampling")).put("sampler", "heunn");
        ((com.fasterxml.jackson.databind.node.ObjectNode) json.get("optimization")).put("sample_every", 1000);
        Path config = Files.writeString(dir.resolve("bad.json"), json.toPrettyString());
        Path run = dir.resolve("run");
        assertError("sampling.sampler 'heunn' cannot sample this model: unknown sampler 'heunn'", "train", "--config",
                config.toString(), "--out", run.toString(), "--quiet");
        assertFalse(Files.exists(run.resolve("train-state.safetensors")), "no step was trained");
        assertFalse(Files.exists(run.resolve("metrics.jsonl")), "no step was trained");
    }

    /** A diverging run stops at the first non-finite loss and keeps its last good checkpoint. */
    @Test
    void nanLossStopsWithTheStepAndKeepsTheCheckpoint(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("diverging.json");
        tiny(50, 1, 1e30).write(config);
        Path run = dir.resolve("run");
        CliRunner.Result r = CliRunner.run("train", "--config", config.toString(), "--out", run.toString(), "--quiet");
        assertEquals(1, r.exitCode());
        assertTrue(r.err().matches("(?s).*training stopped: the loss is (NaN|Infinity) at step \\d+; the last good "
                + "checkpoint \\(step \\d+\\) is kept in .*"), r.err());
        List<String> numbers = new ArrayList<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("step (\\d+)").matcher(r.err());
        while (m.find()) {
            numbers.add(m.group(1));
        }
        assertEquals(Long.parseLong(numbers.get(0)) - 1, Long.parseLong(numbers.get(1)), r.err());
        try (NDManager manager = Backend.newManager()) {
            for (NDArray w : Safetensors.read(run.resolve("model.safetensors"), manager).values()) {
                assertFalse(w.isNaN().any().getBoolean(), "the kept model is finite");
            }
        }
    }
}
