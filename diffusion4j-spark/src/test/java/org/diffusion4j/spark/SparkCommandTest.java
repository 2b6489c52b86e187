package org.diffusion4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code d4j spark generate} and {@code eval} end to end on local[2], and their errors. */
class SparkCommandTest {

    private record Run(int exit, String err) {}

    private static Run run(String... args) {
        CommandLine cli = SparkCommand.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));
        return new Run(cli.execute(args), err.toString());
    }

    @Test
    void generatesShardsWithAManifestAndEvaluatesASweep(@TempDir Path tmp) throws Exception {
        Run gen = run("generate", "--model", "gmm:eight-gaussians", "--sampler", "dpmpp-2m", "--steps", "6", "--n",
                "30", "--block", "10", "--partitions", "2", "--master", "local[2]", "--out", tmp.resolve("out")
                        .toString());
        assertEquals(0, gen.exit(), gen.err());
        JsonNode manifest = new ObjectMapper().readTree(tmp.resolve("out/manifest.json").toFile());
        assertEquals("gmm:eight-gaussians", manifest.path("model").asText());
        assertEquals(30, manifest.path("n").asInt());
        assertEquals(3, manifest.path("blocks").size());
        assertEquals(20, manifest.path("blocks").get(2).path("first_seed").asLong());
        assertTrue(Files.isRegularFile(tmp.resolve("out/shard-00002.npy")));

        Path json = tmp.resolve("eval.json");
        Run eval = run("eval", "--model", "gmm:eight-gaussians", "--sampler", "euler;dpmpp-2m", "--nfe", "4,8",
                "--n", "100", "--block", "25", "--master", "local[2]", "--json", json.toString());
        assertEquals(0, eval.exit(), eval.err());
        JsonNode cells = new ObjectMapper().readTree(json.toFile()).path("cells");
        assertEquals(4, cells.size(), "2 samplers × 2 budgets");
        assertEquals("dpmpp-2m", cells.get(3).path("sampler").asText());
        assertEquals(8, cells.get(3).path("nfe").asInt());
        for (int sampler = 0; sampler < 2; sampler++) {
            JsonNode four = cells.get(2 * sampler);
            JsonNode eight = cells.get(2 * sampler + 1);
            assertTrue(eight.path("nll").asDouble() < four.path("nll").asDouble(), "8 calls beat 4: " + cells);
            assertTrue(four.path("nll_floor").asDouble() < eight.path("nll").asDouble(), "real draws beat both");
        }
    }

    @Test
    void badInputIsNamedWithoutAStackTrace(@TempDir Path tmp) {
        Run format = run("generate", "--model", "gmm:eight-gaussians", "--steps", "4", "--n", "4", "--format", "csv",
                "--out", tmp.toString());
        assertEquals(1, format.exit());
        assertEquals("d4j spark generate: error: unknown --format 'csv'; expected npy or parquet", format.err().trim());
        Run model = run("generate", "--model", "mnist", "--steps", "4", "--n", "4", "--out", tmp.toString());
        assertEquals(1, model.exit());
        assertTrue(model.err().startsWith("d4j spark generate: error: unknown model 'mnist'"), model.err());
        Run process = run("eval", "--model", "bundled:mnist-edm", "--process", "vp", "--nfe", "4");
        assertEquals("d4j spark eval: error: the model was trained on process edm; --process vp cannot change it",
                process.err().trim());
    }
}
