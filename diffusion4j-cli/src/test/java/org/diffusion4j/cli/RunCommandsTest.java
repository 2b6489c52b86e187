package org.diffusion4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.io.ArrayFiles;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sample} and {@code eval} on a trained run directory, with the samplers that need the model's process. */
class RunCommandsTest {
    @TempDir
    static Path dir;
    static Path run;

    @BeforeAll
    static void train() throws Exception {
        Path config = dir.resolve("tiny.json");
        TrainCommandTest.tiny(400, 200, 1e-3).write(config);
        run = dir.resolve("run");
        CliRunner.Result r = CliRunner.run("train", "--config", config.toString(), "--out", run.toString(),
                "--quiet");
        assertEquals(0, r.exitCode(), r.err());
    }

    @Test
    void samplesARunWithAnySampler() {
        for (String sampler : new String[] {"dpmpp-2m", "sit-sde:w=sigma,last=tweedie", "dopri5"}) {
            Path out = dir.resolve(sampler.replaceAll("[^a-z0-9]", "_") + ".npy");
            CliRunner.Result r = CliRunner.run("sample", "--run", run.toString(), "--sampler", sampler, "--steps",
                    "20", "--n", "300", "--out", out.toString(), "--quiet");
            assertEquals(0, r.exitCode(), sampler + ": " + r.err());
            try (NDManager m = Backend.newManager()) {
                NDArray x = ArrayFiles.read(out, m);
                assertEquals(new Shape(300, 2), x.getShape(), sampler);
                double spread = x.toType(DataType.FLOAT64, false).abs().mean().getDouble();
                assertTrue(spread > 1 && spread < 3, sampler + ": mean |x| " + spread
                        + " (the eight Gaussians sit at radius 2)");
            }
        }
    }

    /** A float32 model samples in float64: the network runs in its own dtype, the sampler in the one asked for. */
    @Test
    void samplesAFloat32ModelInFloat64() {
        Path single = dir.resolve("single.npy");
        Path dbl = dir.resolve("double.npy");
        for (String[] dtype : new String[][] {{"float32", single.toString()}, {"float64", dbl.toString()}}) {
            CliRunner.Result r = CliRunner.run("sample", "--run", run.toString(), "--sampler", "heun", "--steps", "10",
                    "--n", "50", "--dtype", dtype[0], "--out", dtype[1], "--quiet");
            assertEquals(0, r.exitCode(), dtype[0] + ": " + r.err());
        }
        try (NDManager m = Backend.newManager()) {
            NDArray a = ArrayFiles.read(single, m).toType(DataType.FLOAT64, false);
            NDArray b = ArrayFiles.read(dbl, m);
            assertEquals(DataType.FLOAT64, b.getDataType());
            double gap = a.sub(b).abs().max().getDouble();
            assertTrue(gap < 1e-3, "float32 and float64 sampling differ by " + gap);
        }
    }

    @Test
    void evaluatesARunBesideTheRealVersusRealFloor() {
        CliRunner.Result r = CliRunner.run("eval", "--run", run.toString(), "--nfe", "20", "--n", "400", "--quiet");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("heun 10 steps (NFE 19 per sample), 400 samples"), r.out());
        assertTrue(r.out().matches("(?s).*sliced Wasserstein +[0-9.]+ +\\(real vs real [0-9.]+\\).*"), r.out());
    }
}
