package org.diffusion4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;

/** Runs {@code d4j} in-process and captures its exit code and output. */
final class CliRunner {
    record Result(int exitCode, String out, String err) {}

    private CliRunner() {}

    static synchronized Result run(String... args) {
        StringWriter err = new StringWriter();
        PrintStream originalOut = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            CommandLine cli = D4j.commandLine(args);
            cli.setErr(new PrintWriter(err, true));
            StringWriter usage = new StringWriter();
            cli.setOut(new PrintWriter(usage, true));
            int code = cli.execute(args);
            return new Result(code, out.toString(StandardCharsets.UTF_8) + usage, err.toString());
        } finally {
            System.setOut(originalOut);
        }
    }

    /**
     * Runs {@code args} and asserts a user error: exit code 1, {@code expected} in the error output, and no stack
     * trace.
     */
    static void assertError(String expected, String... args) {
        Result r = run(args);
        assertEquals(1, r.exitCode(), r.err() + r.out());
        assertTrue(r.err().contains(expected), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
    }
}
