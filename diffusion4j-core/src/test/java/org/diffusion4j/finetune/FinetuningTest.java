package org.diffusion4j.finetune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.diffusion4j.DiffusionException;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.generate.GenerationRequest;
import org.diffusion4j.io.Safetensors;
import org.diffusion4j.nn.NetworkConfig;
import org.diffusion4j.reward.RewardException;
import org.diffusion4j.train.Presets;
import org.diffusion4j.train.RunDirectory;
import org.diffusion4j.train.TrainedModel;
import org.diffusion4j.train.TrainingConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Small DGPO and SDE-GRPO runs on a tiny class-conditional 2-D MLP: exact resume, a failing reward, refusals. */
class FinetuningTest {

    /** Stops the run by throwing, as a kill would. */
    private static final class Kill extends RuntimeException {}

    private static final Finetuning.Listener QUIET = new Finetuning.Listener() { };

    /** A run holding toy-2d's config with a tiny 3-class MLP and its freshly initialized weights. */
    static Path modelRun(Path dir) {
        return modelRun(dir, 3);
    }

    /** A run holding toy-2d's config with a tiny MLP of {@code classes} classes (0: unconditional). */
    static Path modelRun(Path dir, int classes) {
        TrainingConfig toy = Presets.named("toy-2d");
        NetworkConfig.Mlp mlp = new NetworkConfig.Mlp(2, 16, 1, 8, classes);
        TrainingConfig config = new TrainingConfig("tiny", toy.data(), mlp, toy.preconditioning(), toy.time(),
                toy.optimization(), toy.sampling(), toy.lossWeight(), null, null, null);
        RunDirectory run = new RunDirectory(dir);
        config.write(run.config());
        try (NDManager m = Backend.newManager()) {
            Safetensors.write(run.model(), mlp.initialize(m, DataType.FLOAT32, 11).weights().all());
        }
        return dir;
    }

    /** A probe of six fixed samples before the first step and after every fourth. */
    private static final RewardProbe PROBE = new RewardProbe(4, 6, "dpmpp-2m", 3);

    /** Two groups of three, 4-step rollouts, two training levels of the first three, 8 steps, clip on. */
    static DgpoPlan plan(Path model, String reward, int groupSize) {
        return new DgpoPlan(model.toString(), reward, groupSize, 2, "dpmpp-2m", 4, 1, 2, 2, 10, 0.02, 0.05, 3,
                false, 5, true, 8, 1e-2, 1e-4, 1, 7, 3, 2, 0, PROBE);
    }

    /** The SDE baseline's plan over the same groups: 4-step ancestral rollouts, two updates per step, 8 steps. */
    static SdeGrpoPlan sdePlan(Path model, String reward) {
        return new SdeGrpoPlan(model.toString(), reward, 3, 2, 4, 1, 2, 0.2, 0.04, false, 5, 8, 1e-2, 1e-4, 1, 7, 3,
                2, 0, PROBE);
    }

    @Test
    void aKilledDgpoRunResumesToTheSameWeightsAndMovesTheModel(@TempDir Path dir) {
        killedRunResumesExactly(dir, plan(modelRun(dir.resolve("model")), "region:xmin=0", 3), true);
    }

    @Test
    void aKilledSdeGrpoRunResumesToTheSameWeightsAndMovesTheModel(@TempDir Path dir) {
        killedRunResumesExactly(dir, sdePlan(modelRun(dir.resolve("model")), "region:xmin=0"), false);
    }

    /**
     * The first update of a step recomputes each recorded transition's likelihood under the same weights, so every
     * ratio is exactly 1 and nothing is clipped: the recorded states and likelihoods belong to the same transitions.
     */
    @Test
    void theSdeBaselinesRatiosStartAtOne(@TempDir Path dir) {
        Path model = modelRun(dir.resolve("model"));
        SdeGrpoPlan plan = new SdeGrpoPlan(model.toString(), "region:xmin=0", 8, 2, 5, 1, 1, 1e-6, 0.04, false, 5,
                1, 1e-2, 1e-4, 1, 7, 1, 1, 0, null);
        Path out = dir.resolve("out");
        Finetuning.run(plan, out, false, QUIET);
        JsonNode line = new RunDirectory(out).readMetrics().get(0);
        assertEquals(0, line.path("clipped_fraction").asDouble(-1), 0.0, line.toString());
        assertTrue(line.path("reward_std").asDouble() > 0 && line.path("gradient_norm").asDouble() > 0,
                "groups with different rewards give a gradient: " + line);
    }

    private static void killedRunResumesExactly(Path dir, FinetunePlan plan, boolean keepsOld) {
        Path model = Path.of(plan.model());
        Path whole = dir.resolve("whole");
        Finetuning.Result done = Finetuning.run(plan, whole, false, QUIET);
        assertEquals(8, done.stepsTrained());

        Path killed = dir.resolve("killed");
        assertThrows(Kill.class, () -> Finetuning.run(plan, killed, false, new Finetuning.Listener() {
            @Override
            public void stepped(long step, double loss, double imagesPerSecond) {
                if (step == 5) {
                    throw new Kill();
                }
            }
        }));
        assertThrows(DiffusionException.class, () -> Finetuning.run(plan, killed, false, QUIET),
                "a second start without --resume is refused");
        Finetuning.Result resumed = Finetuning.run(plan, killed, true, QUIET);
        assertEquals(5, resumed.stepsTrained(), "resumed from the checkpoint at 3");
        assertSameFiles(whole, killed);
        try (NDManager m = Backend.newManager()) {
            assertEquals(keepsOld, Safetensors.read(whole.resolve("train-state.safetensors"), m).keySet()
                    .stream().anyMatch(k -> k.startsWith("weights/old/")), "the old model is checkpointed if kept");
            // the run is an ordinary model, and it differs from where it started
            long[] seeds = {1, 2, 3, 4};
            GenerationRequest request = GenerationRequest.builder(seeds).classes(new int[] {0, 1, 2, 0}).steps(4)
                    .sampler("dpmpp-2m").build();
            float[] tuned = TrainedModel.load(whole, m).generator().generate(request, m).samples().toFloatArray();
            float[] base = TrainedModel.load(model, m).generator().generate(request, m).samples().toFloatArray();
            double change = 0;
            for (int i = 0; i < tuned.length; i++) {
                change = Math.max(change, Math.abs(tuned[i] - base[i]));
            }
            assertTrue(change > 1e-3, "fine-tuning changed the samples: " + change);
        }
        List<JsonNode> lines = new RunDirectory(whole).readMetrics();
        List<JsonNode> resumedLines = new RunDirectory(killed).readMetrics();
        assertEquals(5, lines.size(), "the starting probe, then a line every 2 steps");
        assertEquals(5, resumedLines.size(), "the resumed run's metrics continue without gaps or repeats");
        for (int i = 0; i < lines.size(); i++) {
            assertEquals(2 * i, lines.get(i).path("step").asLong());
            assertEquals(2 * i, resumedLines.get(i).path("step").asLong());
            assertEquals(i % 2 == 0, lines.get(i).has("probe_reward"), "a probe at 0, 4 and 8: " + lines.get(i));
            // the probe's samples are fixed, so the same weights give the same probe reward, resumed or not
            assertEquals(lines.get(i).path("probe_reward").asDouble(-1), resumedLines.get(i).path("probe_reward")
                    .asDouble(-1), 0.0, "probe at step " + 2 * i);
        }
        assertEquals(0.0, lines.get(0).path("seconds").asDouble(-1), "the clock starts at the first step");
        for (JsonNode line : lines.subList(1, lines.size())) {
            assertTrue(line.path("reward_mean").asDouble(-1) >= 0 && line.path("reward_mean").asDouble() <= 1);
            assertTrue(line.path("seconds").asDouble() > 0);
            assertTrue(Double.isFinite(line.path("objective").asDouble()));
        }
    }

    @Test
    void aFailingRewardStopsBeforeItsStepAndTheRunKeepsItsLastGoodState(@TempDir Path dir) throws Exception {
        Path model = modelRun(dir.resolve("model"));
        String scores = "printf '[1, 0, 0.5, 0, 0, 1]' > \"$3\"\n";
        Path good = script(dir, "good.sh", scores);
        // calls: the probe before step 1, steps 1 … 4, the probe after step 4, then step 5's rollouts fail
        Path flaky = script(dir, "flaky.sh", "n=$(cat " + dir + "/calls 2>/dev/null || echo 0)\necho $((n + 1)) > "
                + dir + "/calls\nif [ \"$n\" = 6 ]; then echo 'scorer crashed' >&2; exit 2; fi\n" + scores);
        Path whole = dir.resolve("whole");
        Finetuning.run(plan(model, "external:command=" + good, 3), whole, false, QUIET);
        DgpoPlan flakyPlan = plan(model, "external:command=" + flaky, 3);
        Path out = dir.resolve("flaky");
        RewardException e = assertThrows(RewardException.class, () -> Finetuning.run(flakyPlan, out, false,
                QUIET));
        assertTrue(e.getMessage().contains("exited with status 2") && e.getMessage().contains("scorer crashed")
                && e.getMessage().contains("step 5 was not applied") && e.getMessage().contains("holds the state "
                + "after step 4"), e.getMessage());
        assertEquals(4, TrainingConfig.JSON.readTree(Files.readString(new RunDirectory(out).trainStateSummary()))
                .path("step").asInt(), "the good steps before the failure were checkpointed");
        Finetuning.Result resumed = Finetuning.run(flakyPlan, out, true, QUIET);
        assertEquals(4, resumed.stepsTrained());
        try (NDManager m = Backend.newManager()) {
            assertSameArrays(Safetensors.read(whole.resolve("model.safetensors"), m),
                    Safetensors.read(out.resolve("model.safetensors"), m), "model.safetensors");
        }
    }

    @Test
    void badInputsFailWithSpecificErrors(@TempDir Path dir) {
        Path model = modelRun(dir.resolve("model"));
        Path out = dir.resolve("out");
        InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> plan(model, "thickness", 1));
        assertEquals("--group-size must be at least 2 (DGPO compares the samples of a group), got 1",
                e.getMessage());
        DiffusionException unknown = assertThrows(DiffusionException.class, () -> Finetuning.check(plan(model,
                "aesthetics", 3), out, false));
        assertTrue(unknown.getMessage().contains("unknown reward 'aesthetics'; known rewards: class-probability"),
                unknown.getMessage());
        Path psld = dir.resolve("psld");
        TrainingConfig psldConfig = Presets.named("mnist-psld");
        psldConfig.write(new RunDirectory(psld).config());
        try (NDManager m = Backend.newManager()) {
            Safetensors.write(new RunDirectory(psld).model(), psldConfig.network().initialize(m, DataType.FLOAT32, 1)
                    .weights().all());
        }
        e = assertThrows(InvalidArgumentException.class, () -> Finetuning.check(plan(psld, "thickness", 3), out,
                false));
        assertTrue(e.getMessage().contains("is a phase-space (PSLD) model"), e.getMessage());
        Path unconditional = modelRun(dir.resolve("unconditional"), 0);
        e = assertThrows(InvalidArgumentException.class, () -> Finetuning.check(plan(unconditional,
                "class-probability:classifier=mnist", 3), out, false));
        assertTrue(e.getMessage().contains("is unconditional"), e.getMessage());
        e = assertThrows(InvalidArgumentException.class, () -> Finetuning.check(plan(dir.resolve("nowhere"),
                "thickness", 3), out, false));
        assertTrue(e.getMessage().contains("no such run directory"), e.getMessage());
        SdeGrpoPlan badProbe = new SdeGrpoPlan(model.toString(), "thickness", 3, 2, 4, 1, 2, 0.2, 0.04, false, 5, 8,
                1e-2, 1e-4, 1, 7, 3, 2, 0, new RewardProbe(4, 6, "heun-ish", 3));
        e = assertThrows(InvalidArgumentException.class, () -> Finetuning.check(badProbe, out, false));
        assertTrue(e.getMessage().startsWith("--probe-sampler heun-ish: ") && e.getMessage().contains("dpmpp-2m"),
                e.getMessage());
        e = assertThrows(InvalidArgumentException.class, () -> new RewardProbe(-1, 6, "dpmpp-2m", 3));
        assertTrue(e.getMessage().startsWith("--probe-every must be at least 0"), e.getMessage());
    }

    private static void assertSameFiles(Path a, Path b) {
        try (NDManager m = Backend.newManager()) {
            for (String file : new String[] {"model.safetensors", "train-state.safetensors"}) {
                assertSameArrays(Safetensors.read(a.resolve(file), m), Safetensors.read(b.resolve(file), m), file);
            }
        }
    }

    private static void assertSameArrays(Map<String, NDArray> x, Map<String, NDArray> y, String what) {
        Map<String, NDArray> a = new TreeMap<>(x);
        Map<String, NDArray> b = new TreeMap<>(y);
        assertEquals(a.keySet(), b.keySet());
        for (String name : a.keySet()) {
            assertArrayEquals(a.get(name).toType(DataType.FLOAT64, false).toDoubleArray(), b.get(name)
                    .toType(DataType.FLOAT64, false).toDoubleArray(), 0.0, what + " " + name);
        }
    }

    private static Path script(Path dir, String name, String body) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, "#!/bin/sh\n" + body);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        return file;
    }
}
