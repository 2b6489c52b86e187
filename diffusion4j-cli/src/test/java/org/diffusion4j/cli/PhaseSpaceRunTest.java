package org.diffusion4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.denoise.Preconditioning;
import org.diffusion4j.io.ArrayFiles;
import org.diffusion4j.nn.NetworkConfig;
import org.diffusion4j.phase.PhaseSpaceModel;
import org.diffusion4j.phase.Psld;
import org.diffusion4j.train.TimeDistribution;
import org.diffusion4j.train.TrainingConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code train}, {@code sample} and {@code eval} on a run trained on the PSLD phase-space process. */
class PhaseSpaceRunTest {
    @TempDir
    static Path dir;
    static Path run;

    @BeforeAll
    static void train() throws Exception {
        TrainingConfig tiny = TrainCommandTest.tiny(200, 200, 1e-3);
        Path config = dir.resolve("psld.json");
        new TrainingConfig("tiny-psld", tiny.data(), new NetworkConfig.Mlp(4, 64, 2, 32, 0),
                new Preconditioning("vp", "edm", 1, false, "time"),
                new TimeDistribution.Uniform(PhaseSpaceModel.END, 1), tiny.optimization(),
                new TrainingConfig.Sampling("rse", 10, 0, 0, 0, 100), null, Psld.criticallyDamped(0.02, 8))
                .write(config);
        run = dir.resolve("run");
        CliRunner.Result r = CliRunner.run("train", "--config", config.toString(), "--out", run.toString(),
                "--quiet");
        assertEquals(0, r.exitCode(), r.err());
    }

    @Test
    void samplesWithPhaseSpaceIntegratorsOnly() {
        Path out = dir.resolve("samples.npy");
        CliRunner.Result r = CliRunner.run("sample", "--run", run.toString(), "--sampler", "conjugate:lambda=0.5",
                "--steps", "8", "--n", "16", "--out", out.toString(), "--quiet");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("conjugate:lambda=0.5: 16 samples, 8 steps, NFE 8"), r.out());
        try (NDManager m = Backend.newManager()) {
            assertEquals(new Shape(16, 2), ArrayFiles.read(out, m).getShape(), "the position half is written");
        }
        CliRunner.Result wrong = CliRunner.run("sample", "--run", run.toString(), "--sampler", "heun", "--steps",
                "8", "--out", out.toString(), "--quiet");
        assertEquals(1, wrong.exitCode());
        assertTrue(wrong.err().contains("phase-space sampler") && wrong.err().contains("sscs"), wrong.err());
    }

    @Test
    void evaluatesATwoCallIntegratorAtItsBudget() {
        CliRunner.Result r = CliRunner.run("eval", "--run", run.toString(), "--sampler", "rvv", "--nfe", "20",
                "--n", "400", "--quiet");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("rvv 10 steps (NFE 20 per sample), 400 samples"), r.out());
        assertTrue(r.out().matches("(?s).*sliced Wasserstein +[0-9.]+ +\\(real vs real [0-9.]+\\).*"), r.out());
    }
}
