package org.diffusion4j.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Progress that is not on a terminal is a few plain lines, not a redraw per update. */
class ProgressTest {

    @Test
    void offATerminalItWritesPlainLinesNotRedraws() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream err = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        try (Progress progress = new Progress("task", 5000, false, err, false)) {
            for (int i = 0; i < 5000; i++) {
                progress.step("step " + i);
            }
        }
        String out = bytes.toString(StandardCharsets.UTF_8);
        long lines = out.lines().filter(l -> !l.isBlank()).count();
        assertTrue(!out.contains("\r"), "no carriage-return redraws: " + out);
        assertTrue(lines >= 1 && lines <= 3, lines + " lines: " + out);
        assertTrue(out.contains("5000/5000"), out);
    }
}
