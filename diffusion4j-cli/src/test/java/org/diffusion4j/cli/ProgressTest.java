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

    /**
     * A resumed run's bar starts at its position, so its estimate of the time left comes from the steps done since:
     * 900 of 1000 steps done before, then 50 steps of at least 20 ms leave at least a second (the time those 50
     * took); a bar that counted the skipped 900 as done in no time would estimate 50/950 of that, under a second.
     */
    @Test
    void aResumedBarEstimatesFromTheStepsDoneSinceItsStart() throws InterruptedException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream err = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        Progress progress = new Progress("task", 1000, false, err, false);
        progress.skipTo(900);
        for (int i = 0; i < 50; i++) {
            Thread.sleep(20);
            progress.step("step " + i);
        }
        Thread.sleep(Progress.PLAIN_INTERVAL_MS + 500);
        String out = bytes.toString(StandardCharsets.UTF_8);
        progress.close();
        int lines = 0;
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("950/1000 \\((\\d+):(\\d\\d):(\\d\\d) / "
                + "(\\d+):(\\d\\d):(\\d\\d)\\)").matcher(out);
        while (m.find()) {
            lines++;
            long left = Long.parseLong(m.group(4)) * 3600 + Long.parseLong(m.group(5)) * 60
                    + Long.parseLong(m.group(6));
            assertTrue(left >= 1, "time left " + left + " s: " + out);
        }
        assertTrue(lines > 0, "a line at 950/1000: " + out);
    }
}
