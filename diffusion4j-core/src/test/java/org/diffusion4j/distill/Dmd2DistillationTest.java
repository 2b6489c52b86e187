package org.diffusion4j.distill;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.diffusion4j.DiffusionException;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.generate.Generation;
import org.diffusion4j.generate.GenerationRequest;
import org.diffusion4j.io.Safetensors;
import org.diffusion4j.train.Presets;
import org.diffusion4j.train.TrainedModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A small DMD2 run: exact resume after a kill, sampling through the facade, and its refusals. */
class Dmd2DistillationTest {

    /** Stops the run by throwing, as a kill would. */
    private static final class Kill extends RuntimeException {}

    @Test
    void aKilledRunResumesToTheSameWeightsAndSamplesAtItsOwnSteps(@TempDir Path dir) {
        Path init = Dmd2Fixtures.initRun(dir.resolve("init"));
        Dmd2Plan plan = Dmd2Fixtures.plan(init, true, 0.1);
        Path whole = dir.resolve("whole");
        Dmd2Distillation.run(plan, whole, false, dir, false, null, new Dmd2Distillation.Listener() { });

        Path killed = dir.resolve("killed");
        assertThrows(Kill.class, () -> Dmd2Distillation.run(plan, killed, false, dir, false, null,
                new Dmd2Distillation.Listener() {
                    @Override
                    public void stepped(long step, double loss, double imagesPerSecond) {
                        if (step == 7) {
                            throw new Kill();
                        }
                    }
                }));
        assertThrows(DiffusionException.class, () -> Dmd2Distillation.run(plan, killed, false, dir, false, null,
                new Dmd2Distillation.Listener() { }), "a second start without --resume is refused");
        Dmd2Distillation.Result resumed = Dmd2Distillation.run(plan, killed, true, dir, false, null,
                new Dmd2Distillation.Listener() { });
        assertEquals(12, resumed.step());
        assertEquals(8, resumed.stepsTrained(), "resumed from the checkpoint at 4");
        try (NDManager m = Backend.newManager()) {
            for (String file : new String[] {"model.safetensors", "train-state.safetensors"}) {
                Map<String, NDArray> a = new TreeMap<>(Safetensors.read(whole.resolve(file), m));
                Map<String, NDArray> b = new TreeMap<>(Safetensors.read(killed.resolve(file), m));
                assertEquals(a.keySet(), b.keySet());
                for (String name : a.keySet()) {
                    assertArrayEquals(a.get(name).toType(ai.djl.ndarray.types.DataType.FLOAT64, false)
                            .toDoubleArray(), b.get(name).toType(ai.djl.ndarray.types.DataType.FLOAT64, false)
                            .toDoubleArray(), 0.0, file + " " + name);
                }
            }
            assertTrue(Safetensors.read(whole.resolve("train-state.safetensors"), m).keySet().stream()
                    .anyMatch(k -> k.startsWith("weights/critic/head.")), "the head is checkpointed");
            // the run is an ordinary model: its lcm sampler on its two levels, two model calls per sample
            Generation g = TrainedModel.load(whole, m).generator().generate(GenerationRequest.builder(
                    new long[] {1, 2, 3}).build(), m);
            assertEquals(2, g.evaluations());
            assertEquals(2, g.steps());
            assertEquals("lcm", g.sampler());
        }
        assertEquals(6, new org.diffusion4j.train.RunDirectory(whole).readMetrics().size(), "a line every 2 updates");
    }

    @Test
    void badInputsFailWithSpecificErrors(@TempDir Path dir) {
        Path out = dir.resolve("out");
        Path init = Dmd2Fixtures.initRun(dir.resolve("init"));
        DiffusionException e = assertThrows(DiffusionException.class, () -> new Dmd2Plan("gmm:eight-gaussians",
                init.toString(), 0, 5, 0, 0, false, 1, 10, 8, 1e-3, 1e-3, 0, 0, 10, 0, 5, 5, 0, 0, 10));
        assertEquals("--generator-steps must be between 1 and 1000, got 0", e.getMessage());
        e = assertThrows(DiffusionException.class, () -> new Dmd2Plan("gmm:eight-gaussians", init.toString(), 1, 5,
                0, 0, true, 1, 10, 8, 1e-3, 1e-3, 0, 0, 10, 0, 5, 5, 0, 0, 10));
        assertTrue(e.getMessage().contains("--backward-simulation") && e.getMessage().contains("at least 2"),
                e.getMessage());
        Dmd2Plan plan = Dmd2Fixtures.plan(init, true, 0.1);
        e = assertThrows(DiffusionException.class, () -> Dmd2Distillation.check(withTeacherAndInit(plan,
                "gmm:eight-gaussians", null), out, false));
        assertTrue(e.getMessage().contains("exact mixture") && e.getMessage().contains("--init"), e.getMessage());
        Path psld = dir.resolve("psld");
        Presets.named("mnist-psld").write(psld.resolve("config.json"));
        e = assertThrows(DiffusionException.class, () -> Dmd2Distillation.check(withTeacherAndInit(plan,
                psld.toString(), null), out, false));
        assertTrue(e.getMessage().contains("holds no trained model"), e.getMessage());
        // a phase-space model is not a denoiser of x_t = α·x_0 + σ·ε; a DiT has no bottleneck for the GAN head
        Path psldRun = withWeights(dir.resolve("psld-run"), Presets.named("mnist-psld"));
        e = assertThrows(DiffusionException.class, () -> Dmd2Distillation.check(withTeacherAndInit(plan,
                psldRun.toString(), null), out, false));
        assertTrue(e.getMessage().contains("is a phase-space (PSLD) model"), e.getMessage());
        Path dit = withWeights(dir.resolve("dit-run"), Presets.named("mnist-dit-eps"));
        e = assertThrows(DiffusionException.class, () -> Dmd2Distillation.check(withTeacherAndInit(plan,
                dit.toString(), null), out, false));
        assertTrue(e.getMessage().contains("--gan-weight 0.1: the GAN loss reads the fake score's bottleneck")
                && e.getMessage().contains("exposes no bottleneck features"), e.getMessage());
        // the GAN loss needs the teacher's real data: MNIST is not in an empty directory
        Path empty = dir.resolve("empty");
        e = assertThrows(DiffusionException.class, () -> Dmd2Distillation.run(withTeacherAndInit(plan,
                "bundled:mnist-edm", null), out, false, empty, false, null, new Dmd2Distillation.Listener() { }));
        assertTrue(e.getMessage().contains("the GAN loss (--gan-weight 0.1) compares with real data")
                && e.getMessage().contains("cannot be loaded"), e.getMessage());
        assertFalse(Files.exists(out.resolve(Dmd2Plan.FILE)), "no plan written");
    }

    /** A run directory with {@code config} and freshly initialized weights. */
    private static Path withWeights(Path dir, org.diffusion4j.train.TrainingConfig config) {
        config.write(dir.resolve("config.json"));
        try (NDManager m = Backend.newManager()) {
            Safetensors.write(dir.resolve("model.safetensors"), config.network().initialize(m,
                    ai.djl.ndarray.types.DataType.FLOAT32, 1).weights().all());
        }
        return dir;
    }

    private static Dmd2Plan withTeacherAndInit(Dmd2Plan p, String teacher, String init) {
        return new Dmd2Plan(teacher, init, p.generatorSteps(), p.criticUpdates(), p.ganWeight(), p.criticGanWeight(),
                p.backwardSimulation(), p.guidance(), p.steps(), p.batch(), p.learningRate(), p.criticLearningRate(),
                p.warmup(), p.weightDecay(), p.gradientClip(), p.seed(), p.checkpointEvery(), p.logEvery(),
                p.sampleEvery(), p.probeEvery(), p.probeSamples());
    }
}
