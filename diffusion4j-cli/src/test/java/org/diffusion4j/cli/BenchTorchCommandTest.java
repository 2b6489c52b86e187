package org.diffusion4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code d4j bench torch}: its refusals and skips everywhere, and — only where {@code /usr/bin/python3} has PyTorch
 * (never in CI) — a short real comparison: batches 1 and 2, one round.
 */
class BenchTorchCommandTest {
    /** Debian's Python with python3-torch; {@code -Dd4j.python=…} points elsewhere. */
    private static final String PYTHON = System.getProperty("d4j.python", "/usr/bin/python3");

    @TempDir
    Path dir;

    @Test
    void skipsWithAMessageWhenThereIsNoPython() {
        String missing = dir.resolve("no-such-python").toString();
        CliRunner.Result r = CliRunner.run("bench", "torch", "--python", missing, "--quiet");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().startsWith("skipped: no PyTorch at " + missing + " (cannot run it: "), r.out());
    }

    @Test
    void skipsWhenThePythonDoesNotAnswer() {
        CliRunner.Result r = CliRunner.run("bench", "torch", "--python", "/bin/true", "--quiet");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().startsWith("skipped: no PyTorch at /bin/true (the Python process ended without an "
                + "answer"), r.out());
    }

    @Test
    void refusesBadNumbers() {
        CliRunner.assertError("batches must be positive, got [1, 0]", "bench", "torch", "--batches", "1,0");
        CliRunner.assertError("threads and rounds must be at least 1", "bench", "torch", "--rounds", "0");
    }

    @Test
    void comparesWithPyTorchWhereItIsInstalled() throws IOException {
        String unavailable = torchUnavailable();
        Assumptions.assumeTrue(unavailable == null, () -> "PyTorch comparison skipped: " + unavailable);
        Path json = dir.resolve("torch.json");
        CliRunner.Result r = CliRunner.run("bench", "torch", "--python", PYTHON, "--batches", "1,2", "--rounds", "1",
                "--min-seconds", "0", "--quiet", "--json", json.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("batch 2: outputs agree"), r.out());
        assertTrue(r.out().matches("(?s).*\\n\\s+2  train\\s+1\\s+[0-9.]+\\s+[0-9.]+\\s+[0-9.]+×\\n.*"), r.out());
        JsonNode report = new ObjectMapper().readTree(json.toFile());
        assertEquals(4, report.get("rows").size());
        assertEquals("forward", report.get("rows").get(0).get("operation").asText());
        for (JsonNode row : report.get("rows")) {
            assertTrue(row.get("java_ms").asDouble() > 0 && row.get("torch_ms").asDouble() > 0, row.toString());
        }
        for (JsonNode a : report.get("agreement")) {
            assertTrue(a.get("max_abs_diff").asDouble() < 1e-4 * Math.max(1, a.get("max_abs_java").asDouble()),
                    a.toString());
        }
    }

    /** Null when {@link #PYTHON} imports torch, else why not. */
    private static String torchUnavailable() {
        try {
            Process p = new ProcessBuilder(PYTHON, "-c", "import torch, numpy").redirectErrorStream(true).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return PYTHON + " -c 'import torch' did not finish in 120 s";
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return p.exitValue() == 0 ? null : PYTHON + " cannot import torch and numpy (" + out + ")";
        } catch (IOException e) {
            return "cannot run " + PYTHON + ": " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }
}
