package org.diffusion4j.cli;

import static org.diffusion4j.cli.CliRunner.assertError;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.denoise.GaussianMixtureDenoiser;
import org.diffusion4j.denoise.MixtureSpec;
import org.diffusion4j.grid.Grid;
import org.diffusion4j.grid.GridFile;
import org.diffusion4j.io.ArrayFiles;
import org.diffusion4j.process.VeSchedule;
import org.diffusion4j.sample.SamplerRegistry;
import org.diffusion4j.sample.Sampling;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code d4j tune-grid} on the bundled mixture writes a grid file that beats Karras on validation, and
 * {@code --grid file:} gives {@code d4j sample} exactly its levels.
 */
class TuneGridCommandTest {

    @Test
    void tunesAGridThatSampleAndEvalTake(@TempDir Path dir) {
        Path grid = dir.resolve("grid.json");
        CliRunner.Result r = CliRunner.run("tune-grid", "--model", "gmm:eight-gaussians", "--sampler", "dpmpp-2m",
                "--nfe", "6", "--calibration", "32", "--validation", "32", "--max-evaluations", "60", "--dtype",
                "float64", "--out", grid.toString(), "--quiet");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("dpmpp-2m, 6 steps (NFE 6); reference dpmpp-2m at NFE 100 (100 steps)"), r.out());
        assertTrue(r.out().contains("wrote " + grid), r.out());
        GridFile file = GridFile.read(grid);
        assertEquals("dpmpp-2m", file.sampler());
        assertEquals(6, file.nfe());
        assertEquals(7, file.sigmas().length);
        assertEquals("tuned", file.provenance().get("kept").asText());
        assertEquals("gmm:eight-gaussians", file.provenance().get("model").asText());
        var discrepancy = file.provenance().get("discrepancy");
        assertTrue(discrepancy.get("validation_tuned").asDouble() < discrepancy.get("validation_baseline").asDouble(),
                discrepancy.toString());
        assertEquals(1_000_000, file.provenance().get("calibration").get("seed").asLong());

        Path out = dir.resolve("x.npy");
        CliRunner.Result sampled = CliRunner.run("sample", "--model", "gmm:eight-gaussians", "--sampler", "dpmpp-2m",
                "--grid", "file:" + grid, "--n", "4", "--seed", "3", "--dtype", "float64", "--out", out.toString(),
                "--quiet");
        assertEquals(0, sampled.exitCode(), sampled.err());
        assertTrue(sampled.out().contains("6 steps, NFE 6"), sampled.out());
        List<double[]> levels = new ArrayList<>();
        try (NDManager m = Backend.newManager()) {
            NDArray written = ArrayFiles.read(out, m);
            NDArray direct = Sampling.of(SamplerRegistry.create("dpmpp-2m"), new GaussianMixtureDenoiser(
                    MixtureSpec.bundled("eight-gaussians"), new VeSchedule()).edmView(), Grid.of(file.sigmas()))
                    .callback(info -> levels.add(new double[] {info.level()}))
                    .generate(new long[] {3, 4, 5, 6}, new Shape(2), DataType.FLOAT64, m).samples();
            assertEquals(0, written.sub(direct).abs().max().getDouble());
        }
        double[] seen = levels.stream().mapToDouble(l -> l[0]).toArray();
        double[] expected = java.util.Arrays.copyOf(file.sigmas(), 6);
        assertArrayEquals(expected, seen);

        CliRunner.Result stepsToo = CliRunner.run("sample", "--model", "gmm:eight-gaussians", "--sampler",
                "dpmpp-2m", "--steps", "6", "--grid", "file:" + grid, "--n", "2", "--out", out.toString(), "--quiet");
        assertEquals(0, stepsToo.exitCode(), stepsToo.err());
        assertError("grid file " + grid + " has 6 steps (its positive levels and a final 0), but this run takes 3; "
                + "it was made for dpmpp-2m at 6 NFE", "sample", "--model", "gmm:eight-gaussians", "--sampler",
                "dpmpp-2m", "--steps", "3", "--grid", "file:" + grid, "--out", out.toString());
        assertError("but this run takes 3", "sample", "--model", "gmm:eight-gaussians", "--sampler", "heun",
                "--grid", "file:" + grid, "--steps", "3", "--out", out.toString());
        assertError("--grid file:" + grid + " takes its levels from the file; drop --rho", "sample", "--model",
                "gmm:eight-gaussians", "--sampler", "dpmpp-2m", "--grid", "file:" + grid, "--rho", "5", "--out",
                out.toString());
    }

    @Test
    void badInputIsRefusedByName(@TempDir Path dir) throws Exception {
        String out = dir.resolve("grid.json").toString();
        assertError("sampler euler-ancestral is stochastic", "tune-grid", "--model", "gmm:eight-gaussians",
                "--sampler", "euler-ancestral", "--nfe", "6", "--out", out);
        assertError("--out " + dir.resolve("grid.npy") + ": a grid file is JSON", "tune-grid", "--model",
                "gmm:eight-gaussians", "--sampler", "dpmpp-2m", "--nfe", "6", "--out",
                dir.resolve("grid.npy").toString());
        assertError("the reference NFE (5) must exceed the NFE being tuned (6)", "tune-grid", "--model",
                "gmm:eight-gaussians", "--sampler", "dpmpp-2m", "--nfe", "6", "--reference-nfe", "5", "--out", out);
        assertError("--steps is required (unless --grid file:PATH gives the grid)", "sample", "--model",
                "gmm:eight-gaussians", "--sampler", "dpmpp-2m", "--out", dir.resolve("x.npy").toString());
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "{\"format\": \"diffusion4j-grid\", \"version\": 1, \"sigmas\": [80, 90, 0], "
                + "\"sampler\": \"heun\", \"nfe\": 3}");
        assertError("bad.json: sigmas[1] = 90.0 is not below sigmas[0] = 80.0", "sample", "--model",
                "gmm:eight-gaussians", "--sampler", "heun", "--grid", "file:" + bad, "--out",
                dir.resolve("x.npy").toString());
    }
}
