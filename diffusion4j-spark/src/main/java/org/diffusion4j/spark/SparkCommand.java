package org.diffusion4j.spark;

import java.io.PrintWriter;
import org.diffusion4j.DiffusionException;
import org.diffusion4j.backend.EngineThreads;
import org.diffusion4j.backend.ThreadPolicy;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code d4j spark}: generation and evaluation on Apache Spark, in-process ({@code local[*]}) or on a cluster through
 * {@code spark-submit --class org.diffusion4j.spark.SparkCommand}. A separate main from the {@code d4j} jar, so the
 * command line does not carry Spark.
 */
@Command(name = "d4j spark", mixinStandardHelpOptions = true, version = "diffusion4j 0.1.0",
        description = "Generate and evaluate on Apache Spark: local[*] by default, or a cluster through spark-submit "
                + "(docs/spark.md).",
        subcommands = {SparkGenerateCommand.class, SparkEvalCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Run 'd4j spark COMMAND --help' for the options of a command."})
public final class SparkCommand implements Runnable {

    @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT, description = "Print stack traces of errors.")
    boolean verbose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The command line with diffusion4j's error handling: messages, not stack traces. */
    public static CommandLine commandLine() {
        SparkCommand root = new SparkCommand();
        CommandLine cli = new CommandLine(root);
        cli.setExecutionExceptionHandler((e, commandLine, parsed) -> {
            PrintWriter err = commandLine.getErr();
            if (root.verbose) {
                e.printStackTrace(err);
            }
            String message = DiffusionException.messageFor(e);
            err.println("d4j spark " + commandLine.getCommandName() + ": error: " + message);
            err.flush();
            return 1;
        });
        return cli;
    }

    public static void main(String[] args) {
        // before the engine starts; tasks run with their own count (--task-threads)
        EngineThreads.install(new ThreadPolicy.Fixed(1));
        System.exit(commandLine().execute(args));
    }
}
