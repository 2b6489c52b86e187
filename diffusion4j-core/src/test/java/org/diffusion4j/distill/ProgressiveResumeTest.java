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
import org.diffusion4j.io.Safetensors;
import org.diffusion4j.train.Presets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A distillation killed mid-round resumes exactly; bad teachers and plans fail before anything is written. */
class ProgressiveResumeTest {

    private static DistillationPlan plan() {
        return new DistillationPlan("progressive", "gmm:eight-gaussians", 4, 1, 30, 64, 1e-3, null, "snr-trunc", 3,
                10, 5, 64);
    }

    /** Stops the run by throwing at a given training step of a given round, as a kill would. */
    private static final class Kill extends RuntimeException {}

    @Test
    void aRunKilledMidRoundResumesToTheSameWeights(@TempDir Path dir) {
        Path whole = dir.resolve("whole");
        ProgressiveDistillation.run(plan(), whole, false, dir, false, new ProgressiveDistillation.Listener() { });

        Path killed = dir.resolve("killed");
        int[] round = {0};
        assertThrows(Kill.class, () -> ProgressiveDistillation.run(plan(), killed, false, dir, false,
                new ProgressiveDistillation.Listener() {
                    @Override
                    public void roundStarted(int r, int rounds, int teacherSteps, int steps, Path d) {
                        round[0] = r;
                    }

                    @Override
                    public void stepped(long step, double loss, double imagesPerSecond) {
                        if (round[0] == 2 && step == 25) {
                            throw new Kill();
                        }
                    }
                }));
        assertTrue(Files.isRegularFile(killed.resolve("steps-2/train-state.safetensors")));
        assertFalse(Files.exists(killed.resolve(ProgressiveDistillation.REPORT)));
        assertThrows(DiffusionException.class, () -> ProgressiveDistillation.run(plan(), killed, false, dir, false,
                new ProgressiveDistillation.Listener() { }), "a second start without --resume is refused");
        ProgressiveDistillation.Report resumed = ProgressiveDistillation.run(plan(), killed, true, dir, false,
                new ProgressiveDistillation.Listener() { });
        assertEquals(2, resumed.rounds().size());
        try (NDManager m = Backend.newManager()) {
            for (String file : new String[] {"steps-2/model.safetensors", "steps-1/model.safetensors",
                "model.safetensors"}) {
                Map<String, NDArray> a = new TreeMap<>(Safetensors.read(whole.resolve(file), m));
                Map<String, NDArray> b = new TreeMap<>(Safetensors.read(killed.resolve(file), m));
                assertEquals(a.keySet(), b.keySet());
                for (String name : a.keySet()) {
                    assertArrayEquals(a.get(name).toFloatArray(), b.get(name).toFloatArray(), 0f, file + " " + name);
                }
            }
        }
        assertTrue(Files.isRegularFile(killed.resolve(ProgressiveDistillation.REPORT)));
    }

    @Test
    void badTeachersAndPlansFailBeforeWriting(@TempDir Path dir) {
        Path out = dir.resolve("out");
        // a phase-space run
        Path psld = dir.resolve("psld");
        Presets.named("mnist-psld").write(psld.resolve("config.json"));
        DiffusionException e = assertThrows(DiffusionException.class, () -> ProgressiveDistillation.check(
                withTeacher(psld.toString()), out, false));
        assertTrue(e.getMessage().contains("phase-space") && e.getMessage().contains("phase_space"), e.getMessage());
        // a run without its weights
        Path toy = dir.resolve("toy");
        Presets.named("toy-2d").write(toy.resolve("config.json"));
        e = assertThrows(DiffusionException.class, () -> ProgressiveDistillation.check(withTeacher(toy.toString()),
                out, false));
        assertTrue(e.getMessage().contains("model.safetensors") && e.getMessage().contains("missing"),
                e.getMessage());
        // --from not a power of two times --to
        e = assertThrows(DiffusionException.class, () -> new DistillationPlan("progressive", "gmm:eight-gaussians",
                48, 1, 10, 8, 1e-3, null, "snr-trunc", 0, 10, 5, 8));
        assertTrue(e.getMessage().contains("--from must be --to times a power of two")
                && e.getMessage().contains("got --from 48 with --to 1"), e.getMessage());
        assertFalse(Files.exists(out), "nothing written");
    }

    private static DistillationPlan withTeacher(String teacher) {
        DistillationPlan p = plan();
        return new DistillationPlan(p.method(), teacher, p.from(), p.to(), p.stepsPerRound(), p.batch(),
                p.learningRate(), p.prediction(), p.weighting(), p.seed(), p.checkpointEvery(), p.logEvery(),
                p.gapSamples());
    }
}
