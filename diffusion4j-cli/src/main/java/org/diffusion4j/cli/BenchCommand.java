package org.diffusion4j.cli;

import picocli.CommandLine.Command;

/** {@code d4j bench}: measurements that print a table and write JSON. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks that print a table and write JSON.",
        subcommands = {BenchSamplersCommand.class, BenchSpeedCommand.class, BenchServeCommand.class,
            BenchKillSoakCommand.class, BenchDeterminismCommand.class, BenchThreadsCommand.class,
            BenchTorchCommand.class, BenchDenoisingErrorCommand.class})
final class BenchCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
