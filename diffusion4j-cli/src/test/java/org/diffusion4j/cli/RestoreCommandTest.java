package org.diffusion4j.cli;

import static org.diffusion4j.cli.CliRunner.assertError;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.data.ImageSet;
import org.diffusion4j.io.ArrayFiles;
import org.diffusion4j.nn.NetworkConfig;
import org.diffusion4j.restore.ImageBridge;
import org.diffusion4j.restore.RestorationModel;
import org.diffusion4j.train.Presets;
import org.diffusion4j.train.RunDirectory;
import org.diffusion4j.train.Trainer;
import org.diffusion4j.train.TrainingConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code d4j restore} on tiny 8×8 runs (a bridge and a regressor for 2× super-resolution): grids and arrays of K
 * restorations per input, and bad input — wrong size or channels, unknown task or method, a run of another task —
 * refused by name with nothing written over.
 */
class RestoreCommandTest {
    @TempDir
    static Path dir;
    static Path bridge;
    static Path regressor;
    static Path prior;
    static Path observations;

    @BeforeAll
    static void train() throws Exception {
        int count = 16;
        float[] values = new float[count * 64];
        SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextInt(4) == 0 ? 1f : -1f;
        }
        ImageSet data = new ImageSet(values, new int[count], new Shape(1, 8, 8), 0, "blots");
        TrainingConfig preset = Presets.named("mnist-bridge-sr4");
        TrainingConfig.Data d = new TrainingConfig.Data("folder", "blots", 0, 1, 8, false, List.of(1, 8, 8));
        TrainingConfig.Optimization o = new TrainingConfig.Optimization(4, 2, 1e-3, 0, 0.9, 0.999, 1e-8, 0, 1, 0, 0,
                0, 0, 2, 0, 1);
        bridge = dir.resolve("bridge");
        Trainer.train(new TrainingConfig("tiny-bridge", d, new NetworkConfig.UNet(2, 8, 16, List.of(1, 2), 1,
                List.of(), 0, 0, 1), preset.preconditioning(), preset.time(), o,
                new TrainingConfig.Sampling("bridge-sde", 3, 0.002, 80, 7, 4), null, null, null, null,
                new ImageBridge("gmax", "sr:factor=2")), data, new RunDirectory(bridge), false,
                new Trainer.Listener() { });
        regressor = dir.resolve("mmse");
        Trainer.train(new TrainingConfig("tiny-mmse", d, new NetworkConfig.UNet(1, 8, 16, List.of(1, 2), 1,
                List.of(), 0, 0, 1), preset.preconditioning(), preset.time(), o,
                new TrainingConfig.Sampling("regression", 1, 0.002, 80, 7, 4), null, null, null, null, null,
                new RestorationModel("regression", "inpaint:top=2,left=2,size=3")), data,
                new RunDirectory(regressor), false, new Trainer.Listener() { });
        prior = dir.resolve("prior");
        Trainer.train(new TrainingConfig("tiny-prior", d, new NetworkConfig.UNet(1, 8, 16, List.of(1, 2), 1,
                List.of(), 0, 0), Presets.named("mnist-edm").preconditioning(), Presets.named("mnist-edm").time(), o,
                new TrainingConfig.Sampling("heun", 3, 0.002, 80, 7, 4)), data, new RunDirectory(prior), false,
                new Trainer.Listener() { });
        observations = dir.resolve("y.npy");
        try (NDManager m = Backend.newManager()) {
            ArrayFiles.write(observations, m.randomUniform(-1, 1, new Shape(3, 1, 4, 4)));
        }
    }

    @Test
    void restoresABatchIntoAGridAndAnArray() throws Exception {
        Path grid = dir.resolve("grid.png");
        CliRunner.Result r = CliRunner.run("restore", "--task", "sr:factor=2", "--run", bridge.toString(), "--in",
                observations.toString(), "--out", grid.toString(), "--n-samples", "3", "--nfe", "4");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("3 input(s) × 3 restoration(s), bridge-sde"), r.out());
        BufferedImage image = ImageIO.read(grid.toFile());
        int cell = 8 * 4 + 2;
        assertEquals(6 * cell + 2, image.getWidth(), "prior, 3 restorations, mean, std");
        assertEquals(3 * cell + 2, image.getHeight(), "one row per input");

        Path array = dir.resolve("restored.npy");
        r = CliRunner.run("restore", "--task", "sr:factor=2", "--run", bridge.toString(), "--method", "bridge-ode",
                "--in", observations.toString(), "--out", array.toString(), "--n-samples", "2", "--nfe", "4");
        assertEquals(0, r.exitCode(), r.err());
        try (NDManager m = Backend.newManager()) {
            NDArray x = ArrayFiles.read(array, m);
            assertEquals(new Shape(3, 2, 1, 8, 8), x.getShape());
            assertArrayEquals(x.get(":, 0").toFloatArray(), x.get(":, 1").toFloatArray(), "the ODE is deterministic");
        }
    }

    /**
     * A model of noise restores as a zero-shot prior: DDRM and DPS, K samples per input; eval-restore refuses an
     * attack on DPS before any work.
     */
    @Test
    void aModelOfNoiseRestoresZeroShot() throws Exception {
        for (String method : List.of("ddrm", "dps:zeta=0.5")) {
            Path array = dir.resolve("zero-shot.npy");
            CliRunner.Result r = CliRunner.run("restore", "--task", "sr:factor=2", "--run", prior.toString(),
                    "--method", method, "--in", observations.toString(), "--out", array.toString(), "--n-samples",
                    "2", "--nfe", "3");
            assertEquals(0, r.exitCode(), r.err());
            try (NDManager m = Backend.newManager()) {
                NDArray x = ArrayFiles.read(array, m);
                assertEquals(new Shape(3, 2, 1, 8, 8), x.getShape(), method);
                assertFalse(java.util.Arrays.equals(x.get(":, 0").toFloatArray(), x.get(":, 1").toFloatArray()),
                        method + " samples depend on their seeds");
            }
        }
        assertError("--method bridge-ode: " + prior + " (zero-shot:sr:factor=2,noise=0.0) restores with dps, ddrm",
                "restore", "--task", "sr:factor=2", "--run", prior.toString(), "--method", "bridge-ode", "--in",
                observations.toString(), "--out", dir.resolve("none.npy").toString());
        Path clean = dir.resolve("clean.npy");
        try (NDManager m = Backend.newManager()) {
            ArrayFiles.write(clean, m.zeros(new Shape(1, 1, 8, 8)));
        }
        assertError("DDRM here needs an operator whose non-zero singular values are all equal", "restore", "--task",
                "deblur", "--run", prior.toString(), "--in", clean.toString(), "--out",
                dir.resolve("none.npy").toString(), "--from-clean");
        assertFalse(Files.exists(dir.resolve("none.npy")));
        assertError("--attack cannot attack --sampler dps:zeta=10: DPS takes a gradient through the denoiser at every "
                + "step", "eval-restore", "--run", prior.toString(), "--task", "sr:factor=2", "--sampler",
                "dps:zeta=10", "--nfe", "3", "--attack", "2", "--json", dir.resolve("none.json").toString());
        assertFalse(Files.exists(dir.resolve("none.json")));
    }

    /**
     * A clean 8×8 gray PNG is degraded by the task first; the grid gains the clean column, and with --mmse the
     * regressor's output (the docs' figure); a run that is no regressor of the task is refused.
     */
    @Test
    void restoresADegradedCleanImage() throws Exception {
        Path png = dir.resolve("clean.png");
        BufferedImage clean = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY);
        clean.getRaster().setSample(3, 3, 0, 255);
        ImageIO.write(clean, "png", png.toFile());
        Path grid = dir.resolve("inpainted.png");
        CliRunner.Result r = CliRunner.run("restore", "--task", "inpaint:top=2,left=2,size=3", "--run",
                regressor.toString(), "--in", png.toString(), "--from-clean", "--out", grid.toString(),
                "--n-samples", "1");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("1 input(s) × 1 restoration(s), regression"), r.out());
        assertEquals(5 * (8 * 4 + 2) + 2, ImageIO.read(grid.toFile()).getWidth(), "prior, clean, 1, mean, std");

        Path figure = dir.resolve("figure.png");
        r = CliRunner.run("restore", "--task", "inpaint:top=2,left=2,size=3", "--run", prior.toString(), "--method",
                "ddrm", "--nfe", "3", "--mmse", regressor.toString(), "--in", png.toString(), "--from-clean", "--out",
                figure.toString(), "--n-samples", "2");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(7 * (8 * 4 + 2) + 2, ImageIO.read(figure.toFile()).getWidth(),
                "prior, clean, MMSE, 2 samples, mean, std");
        assertError("--mmse " + bridge + " is a bridge:sr:factor=2 model, not an MMSE regressor", "restore", "--task",
                "sr:factor=2", "--run", prior.toString(), "--mmse", bridge.toString(), "--in",
                observations.toString(), "--out", dir.resolve("none.png").toString());
        assertError(bridge + " was trained for task sr:factor=2,noise=0.0; --task inpaint", "restore", "--task",
                "inpaint:top=2,left=2,size=3", "--run", prior.toString(), "--mmse", bridge.toString(), "--in",
                png.toString(), "--from-clean", "--out", dir.resolve("none.png").toString());
        assertError("--mmse draws the regressor's output in the .png grid", "restore", "--task",
                "inpaint:top=2,left=2,size=3", "--run", prior.toString(), "--mmse", regressor.toString(), "--in",
                png.toString(), "--from-clean", "--out", dir.resolve("none.npy").toString());
        assertFalse(Files.exists(dir.resolve("none.png")));
        assertFalse(Files.exists(dir.resolve("none.npy")));
    }

    @Test
    void badInputIsRefusedByNameAndNothingIsOverwritten() throws Exception {
        Path out = dir.resolve("kept.png");
        Files.writeString(out, "an earlier result");
        Path wrongSize = dir.resolve("wrong-size.npy");
        Path colour = dir.resolve("colour.png");
        try (NDManager m = Backend.newManager()) {
            ArrayFiles.write(wrongSize, m.zeros(new Shape(2, 1, 8, 8)));
        }
        BufferedImage rgb = new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB);
        rgb.setRGB(1, 1, 0xff0000);
        ImageIO.write(rgb, "png", colour.toFile());
        String run = bridge.toString();
        assertError(wrongSize + " holds 2 image(s) of 8 × 8 pixels with 1 channel(s), but this model takes "
                + "observations of task sr:factor=2,noise=0.0 of 1 image(s) of 4 × 4 pixels with 1 channel(s) each",
                "restore", "--task", "sr:factor=2", "--run", run, "--in", wrongSize.toString(), "--out",
                out.toString());
        assertError(colour + " is a colour image; this model restores gray ones", "restore", "--task", "sr:factor=2",
                "--run", run, "--in", colour.toString(), "--out", out.toString());
        assertError("unknown task 'colorize'; known tasks: sr4, sr, inpaint, denoise, deblur", "restore", "--task",
                "colorize", "--run", run, "--in", observations.toString(), "--out", out.toString());
        assertError("--method heun: " + run + " (bridge:sr:factor=2) restores with bridge-sde, bridge-ode",
                "restore", "--task", "sr:factor=2", "--run", run, "--method", "heun", "--in",
                observations.toString(), "--out", out.toString());
        assertError(run + " was trained for task sr:factor=2,noise=0.0; --task sr4 (sr:factor=4,noise=0.0) is "
                + "another", "restore", "--task", "sr4", "--run", run, "--in", observations.toString(), "--out",
                out.toString());
        assertError("--out " + dir.resolve("x.jpg") + ": the restorations are written as .png or .npy, got .jpg",
                "restore", "--task", "sr:factor=2", "--run", run, "--in", observations.toString(), "--out",
                dir.resolve("x.jpg").toString());
        assertEquals("an earlier result", Files.readString(out), "nothing overwritten");
        assertFalse(Files.exists(dir.resolve("x.jpg")));
    }
}
