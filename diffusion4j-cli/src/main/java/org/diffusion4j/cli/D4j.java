package org.diffusion4j.cli;

import java.io.PrintWriter;
import org.diffusion4j.DiffusionException;
import org.diffusion4j.backend.Backend;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code d4j} command: diffusion and flow models on the JVM. */
@Command(name = "d4j", mixinStandardHelpOptions = true, version = "diffusion4j 0.1.0",
        description = "Train, sample and evaluate diffusion and flow models on the JVM.",
        subcommands = {DemoCommand.class, TrainCommand.class, SampleCommand.class, EvalCommand.class, BenchCommand.class,
            ExportCommand.class, ServeCommand.class, TuneGridCommand.class,
            TrainClassifierCommand.class,
            CommandLine.HelpCommand.class},
        footer = {"", "Run 'd4j COMMAND --help' for the options of a command.",
            "Run 'd4j spark --help' for generation and evaluation on Apache Spark (docs/spark.md)."})
public final class D4j implements Runnable {

    @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
            description = "Print stack traces of errors.")
    boolean verbose;

    @Option(names = "--threads", scope = CommandLine.ScopeType.INHERIT, paramLabel = "N",
            description = "Intra-op threads of the array engine (default: all cores).")
    int threads = Runtime.getRuntime().availableProcessors();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Builds the command line with diffusion4j's error handling: messages, not stack traces. */
    public static CommandLine commandLine() {
        D4j root = new D4j();
        CommandLine cli = new CommandLine(root);
        cli.setExecutionStrategy(parsed -> {
            if (root.threads < 1) {
                CommandLine command = parsed.asCommandLineList().get(parsed.asCommandLineList().size() - 1);
                PrintWriter err = command.getErr();
                err.println("d4j " + command.getCommandName() + ": error: --threads must be at least 1, got "
                        + root.threads);
                err.flush();
                return 1;
            }
            Backend.configureThreads(root.threads, 1);
            return new CommandLine.RunLast().execute(parsed);
        });
        cli.setExecutionExceptionHandler((e, commandLine, parsed) -> {
            PrintWriter err = commandLine.getErr();
            if (root.verbose) {
                e.printStackTrace(err);
            }
            String message = DiffusionException.messageFor(e);
            err.println("d4j " + commandLine.getCommandName() + ": error: " + message);
            err.flush();
            return 1;
        });
        return cli;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
