package org.diffusion4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A run that names its command builds only that one; help and unknown names see them all. */
class LazyCommandsTest {

    private static Set<String> built(String... args) {
        return D4j.commandLine(args).getSubcommands().keySet();
    }

    @Test
    void onlyTheNamedCommandIsBuilt() {
        assertEquals(Set.of("sample"), built("sample", "--model", "gmm:eight-gaussians"));
        assertEquals(Set.of("sample"), built("--threads", "1", "--verbose", "sample"));
        assertEquals(Set.of("bench"), built("bench", "threads", "--help"));
        int all = D4j.COMMANDS.size();
        assertEquals(all, built().size());
        assertEquals(all, built("help", "sample").size());
        assertEquals(all, built("--help").size());
        assertEquals(all, built("smaple").size());
        assertEquals(List.of("demo", "train", "distill", "finetune", "sample", "eval", "eval-restore", "eval-audio",
                "restore", "tts", "bench", "export", "serve", "tune-grid", "train-classifier", "help"),
                List.copyOf(built()));
    }

    /** Root options reach a command added on its own, and an unknown command is still named with suggestions. */
    @Test
    void rootOptionsAndErrorsWorkAsBefore(@TempDir Path dir) {
        Path out = dir.resolve("x.npy");
        CliRunner.Result ok = CliRunner.run("--threads", "1", "sample", "--model", "gmm:eight-gaussians", "--sampler",
                "euler", "--steps", "2", "--n", "3", "--out", out.toString(), "--quiet");
        assertEquals(0, ok.exitCode(), ok.err());
        assertTrue(Files.exists(out));
        CliRunner.Result unknown = CliRunner.run("smaple");
        assertEquals(2, unknown.exitCode());
        assertTrue(unknown.err().contains("Did you mean: d4j sample"), unknown.err());
    }
}
