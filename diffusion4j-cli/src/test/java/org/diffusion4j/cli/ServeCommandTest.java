package org.diffusion4j.cli;

import static org.diffusion4j.cli.CliRunner.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code d4j serve} refuses what it must before it listens; the server itself is tested in diffusion4j-serve. */
class ServeCommandTest {

    @Test
    void nonLoopbackBindWithoutTokenIsRefused() {
        assertError("--bind 0.0.0.0 is not a loopback address: a server reachable from other machines needs a bearer "
                + "token (--token-file FILE)", "serve", "--model", "gmm:eight-gaussians", "--bind", "0.0.0.0");
    }

    @Test
    void badTokenFilesAreNamed(@TempDir Path dir) throws IOException {
        Path missing = dir.resolve("nope.txt");
        assertError("--token-file " + missing + ": cannot read it", "serve", "--token-file", missing.toString());
        Path empty = Files.writeString(dir.resolve("empty.txt"), " \n");
        assertError("--token-file " + empty + " is empty", "serve", "--token-file", empty.toString());
        Path spaced = Files.writeString(dir.resolve("spaced.txt"), "two words\n");
        assertError("printable ASCII without spaces", "serve", "--token-file", spaced.toString());
    }

    @Test
    void badLimitsAndModelsAreNamed() {
        assertError("maxBatch (8) must be at least maxSamples (64)", "serve", "--model", "gmm:eight-gaussians",
                "--max-batch", "8");
        assertError("--timeout must be at least 1 second, got 0", "serve", "--model", "gmm:eight-gaussians",
                "--timeout", "0");
        assertError("--port must be between 0 and 65535, got 70000", "serve", "--model", "gmm:eight-gaussians",
                "--port", "70000");
        assertError("nine: no such mixture spec file", "serve", "--model", "gmm:nine");
    }

    @Test
    void benchServeMeasuresBothModes(@TempDir Path dir) throws IOException {
        Path json = dir.resolve("serve.json");
        CliRunner.Result r = CliRunner.run("bench", "serve", "--model", "gmm:eight-gaussians", "--clients", "4",
                "--requests", "40", "--n", "2", "--steps", "4", "--load", "40", "--json", json.toString());
        assertEquals(0, r.exitCode(), r.err() + r.out());
        var report = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.toFile());
        assertEquals(2, report.get("runs").size());
        assertEquals(40, report.get("runs").get(0).get("statuses").get("200").asInt());
        // batching off: every engine batch is one request's 2 samples
        assertEquals(2.0, report.get("runs").get(0).get("mean_samples_per_engine_batch").asDouble(), 1e-9);
        var last = report.get("load").get("memory").get(10);
        assertEquals(40, last.get("requests").asInt());
        assertEquals(true, report.get("load").get("healthy_after").asBoolean());
    }
}
