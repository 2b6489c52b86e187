package org.diffusion4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo's MNIST phase (minutes) reports its progress, one step per sampler step of its nine runs. */
class DemoProgressTest {

    @Test
    void theMnistPhaseStepsItsProgressThroughEveryRun(@TempDir Path dir) throws Exception {
        DemoCommand demo = new DemoCommand();
        demo.out = dir;
        long total = DemoCommand.mnistSteps();
        assertEquals(65 + 33 + 65, total, "euler 10+20+35, heun 5+10+18, dpmpp-2m 10+20+35 steps");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (Progress progress = new Progress("mnist", total, false, new PrintStream(bytes, true,
                StandardCharsets.UTF_8), false)) {
            demo.mnist(1, progress);
        }
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains(total + "/" + total), out);
        assertFalse(out.contains("\r"), out);
        try (var files = Files.list(dir)) {
            assertEquals(9, files.filter(f -> f.getFileName().toString().startsWith("mnist-")).count());
        }
    }
}
