package org.diffusion4j.cli;

import static org.diffusion4j.cli.CliRunner.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.grid.GridSpecs;
import org.diffusion4j.io.ArrayFiles;
import org.diffusion4j.train.Presets;
import org.diffusion4j.train.RunDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Bad options fail before any work, with a message naming the option; help texts are clean and complete. */
class EarlyValidationTest {

    @Test
    void threadsMustBePositive(@TempDir Path dir) {
        String out = dir.resolve("x.npy").toString();
        for (String threads : List.of("0", "-4")) {
            assertError("--threads: expected 'auto' or at least 1, got " + threads, "sample", "--model",
                    "gmm:eight-gaussians", "--sampler", "euler", "--steps", "2", "--n", "1", "--out", out,
                    "--threads", threads);
        }
        assertError("--threads: expected 'auto' or a positive whole number, got 'two'", "sample", "--model",
                "gmm:eight-gaussians", "--sampler", "euler", "--steps", "2", "--n", "1", "--out", out, "--threads",
                "two");
        assertFalse(Files.exists(dir.resolve("x.npy")));
    }

    @Test
    void nonFiniteInitIsRefusedNamingTheFile(@TempDir Path dir) {
        Path init = dir.resolve("init.npy");
        try (NDManager m = Backend.newManager()) {
            NDArray x = m.create(new float[] {1, 2, Float.NaN, 4, Float.POSITIVE_INFINITY, 6}, new Shape(3, 2));
            ArrayFiles.write(init, x);
        }
        assertError("--init " + init + " holds 2 non-finite values (NaN or ±∞; the first at sample 1); a start "
                + "must be finite", "sample", "--model", "gmm:eight-gaussians", "--sampler", "heun", "--steps", "4",
                "--init", init.toString(), "--out", dir.resolve("x.npy").toString(), "--quiet");
    }

    /** A restoration run restores given observations: the commands that generate from seeds refuse it by name. */
    @Test
    void aBridgeRunIsRefusedBySampleAndEval(@TempDir Path dir) {
        Path run = dir.resolve("bridge");
        Presets.named("mnist-bridge-sr4").write(new RunDirectory(run).config());
        String expected = run + " is a bridge model (task sr4): it restores given observations, which this command "
                + "does not take";
        assertError(expected, "sample", "--run", run.toString(), "--n", "2", "--out", dir.resolve("x.png")
                .toString());
        assertError(expected, "eval", "--run", run.toString(), "--n", "2");
        assertFalse(Files.exists(dir.resolve("x.png")));
        Path regressor = dir.resolve("mmse");
        Presets.named("mnist-mmse-inpaint").write(new RunDirectory(regressor).config());
        assertError(regressor + " is a regression restoration model (task inpaint): it restores given observations, "
                + "which this command does not take", "sample", "--run", regressor.toString(), "--n", "2", "--out",
                dir.resolve("x.png").toString());
    }

    @Test
    void demoToyStepsAreCheckedFirst(@TempDir Path dir) {
        long started = System.nanoTime();
        assertError("--toy-steps must be at least 1, got 0", "demo", "--toy-steps", "0", "--out",
                dir.resolve("demo").toString(), "--quiet");
        assertTrue((System.nanoTime() - started) / 1e9 < 10, "before the MNIST phase");
        assertFalse(Files.exists(dir.resolve("demo")), "nothing written");
    }

    /** eval's default --n fits the shipped 10 000-image MNIST test set, which allows at most half of it. */
    @Test
    void evalDefaultSampleCountFitsTheShippedMnist() {
        EvalCommand eval = new EvalCommand();
        new CommandLine(eval).parseArgs("--model", "bundled:mnist-edm", "--nfe", "35");
        assertTrue(eval.n >= 1 && 2 * eval.n <= 10_000, "default --n " + eval.n);
        String help = CliRunner.run("eval", "--help").out().replaceAll("\\s+", " ");
        assertTrue(help.contains("(default: " + eval.n + ")"), help);
    }

    @Test
    void unknownProcessListsTheKnownProcesses(@TempDir Path dir) {
        assertError("unknown process 'vpp'; known processes: edm, ", "sample", "--model", "gmm:eight-gaussians",
                "--sampler", "euler", "--steps", "4", "--process", "vpp", "--out", dir.resolve("x.npy").toString());
    }

    @Test
    void gridHelpListsEveryGrid() {
        String help = CliRunner.run("sample", "--help").out().replaceAll("\\s+", " ");
        for (String name : GridSpecs.NAMES) {
            assertTrue(help.contains(name), name + " in " + help);
        }
        assertTrue(help.contains(String.join(", ", GridSpecs.NAMES)), help);
    }

    /** No command's help makes picocli complain (an unescaped % in a description did). */
    @Test
    void everyHelpPrintsWithoutPicocliWarnings() {
        List<List<String>> commands = new ArrayList<>();
        collect(D4j.commandLine(), new ArrayList<>(), commands);
        assertTrue(commands.size() > 8, commands.toString());
        PrintStream original = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            for (List<String> command : commands) {
                List<String> args = new ArrayList<>(command);
                args.add("--help");
                CliRunner.Result r = CliRunner.run(args.toArray(String[]::new));
                assertEquals(0, r.exitCode(), args + ": " + r.err());
                assertFalse(r.err().contains("WARN"), args + ": " + r.err());
            }
        } finally {
            System.setErr(original);
        }
        assertFalse(err.toString(StandardCharsets.UTF_8).contains("picocli WARN"), err.toString(StandardCharsets.UTF_8));
    }

    private static void collect(CommandLine cli, List<String> path, List<List<String>> out) {
        cli.getSubcommands().forEach((name, sub) -> {
            if (name.equals("help")) {
                return;
            }
            List<String> child = new ArrayList<>(path);
            child.add(name);
            out.add(child);
            collect(sub, child, out);
        });
    }
}
