package org.diffusion4j.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.bench.KillSoak;
import org.diffusion4j.io.AtomicFiles;
import org.diffusion4j.train.TrainingConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code d4j bench kill-soak}: SIGKILL a training again and again; the resumed run must equal an unbroken one. */
@Command(name = "kill-soak", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a tiny model (toy-2d, shortened) in a child process, SIGKILL it at random moments "
                + "--kills times, resuming each time, then resume it to the end.",
            "After every kill the run directory must be readable (config, model, train state, metrics, a free "
                    + "lock); at the end every array of the train state and the model, and the metrics, must equal "
                    + "an uninterrupted run's bit for bit. Exit code 0 when both hold, 1 otherwise."})
final class BenchKillSoakCommand implements Callable<Integer> {

    @Option(names = "--kills", paramLabel = "N", defaultValue = "20",
            description = "How many times to kill the training (default: ${DEFAULT-VALUE}).")
    int kills;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "3000",
            description = "Training steps of the run (default: ${DEFAULT-VALUE}).")
    long steps;

    @Option(names = "--checkpoint-every", paramLabel = "N", defaultValue = "10",
            description = "Steps between checkpoints and metrics lines (default: ${DEFAULT-VALUE}).")
    int checkpointEvery;

    @Option(names = "--delay-ms", paramLabel = "MIN,MAX", split = ",", defaultValue = "1500,5000",
            description = "Each kill comes this long after its start, uniformly at random; the start includes the "
                    + "JVM and engine start-up (default: ${DEFAULT-VALUE}).")
    List<Long> delays;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0",
            description = "Seed of the kill moments (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--work", paramLabel = "DIR", defaultValue = "kill-soak",
            description = "Where the runs and the child logs go (default: ${DEFAULT-VALUE}).")
    Path work;

    @Option(names = "--json", paramLabel = "FILE", description = "Write the report as JSON.")
    Path json;

    @Override
    public Integer call() {
        if (kills < 1 || steps < 1 || checkpointEvery < 1 || delays.size() != 2 || delays.get(0) < 0
                || delays.get(1) < delays.get(0)) {
            throw new InvalidArgumentException("--kills, --steps and --checkpoint-every must be at least 1 and "
                    + "--delay-ms MIN,MAX with 0 <= MIN <= MAX; got " + kills + ", " + steps + ", " + checkpointEvery
                    + ", " + delays);
        }
        KillSoak.Settings settings = new KillSoak.Settings(kills, steps, checkpointEvery, delays.get(0),
                delays.get(1), seed);
        List<String> d4j = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dai.djl.offline=true", "-Djava.awt.headless=true", "-cp", System.getProperty("java.class.path"),
                D4j.class.getName());
        KillSoak.Report report = KillSoak.run(settings, d4j, work, System.out::println);
        long killed = report.attempts().stream().filter(KillSoak.Attempt::killed).count();
        long unreadable = report.attempts().stream().filter(a -> !a.problems().isEmpty()).count();
        long temporaries = report.attempts().stream().filter(a -> a.temporaries() > 0).count();
        long lost = report.attempts().stream().filter(a -> a.killed() && a.stepAfter() > a.stepBefore()).count();
        System.out.printf(Locale.ROOT, "%n%d kills (SIGKILL) in %d starts; %d after a new checkpoint; %d left temporary "
                + "files (removed by the next resume); %d left the run unreadable%n",
                killed, report.attempts().size(), lost, temporaries, unreadable);
        System.out.printf(Locale.ROOT, "final run against the uninterrupted one: %d arrays compared, %s; %.0f s in "
                + "all%n", report.arraysCompared(), report.differences().isEmpty() ? "bit-identical, metrics equal"
                : "DIFFERENT: " + report.differences(), report.seconds());
        System.out.println(report.passed() ? "PASSED" : "FAILED");
        if (json != null) {
            AtomicFiles.writeString(json, TrainingConfig.JSON.valueToTree(report).toPrettyString() + "\n");
            System.out.println("wrote " + json);
        }
        return report.passed() ? 0 : 1;
    }
}
