package org.diffusion4j.cli;

import java.io.PrintWriter;
import java.util.List;
import org.diffusion4j.DiffusionException;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.backend.EngineThreads;
import org.diffusion4j.backend.ThreadPolicy;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code d4j} command: diffusion and flow models on the JVM. */
@Command(name = "d4j", mixinStandardHelpOptions = true, version = "diffusion4j 0.1.0",
        description = "Train, sample and evaluate diffusion and flow models on the JVM.",
        footer = {"", "Run 'd4j COMMAND --help' for the options of a command.",
            "Run 'd4j spark --help' for generation and evaluation on Apache Spark (docs/spark.md)."})
public final class D4j implements Runnable {
    /**
     * The subcommands, in the order help lists them. Picocli reads every option of every command it is given, which
     * took 0.06–0.11 s of a sampling run's start-up (docs/performance.md); a run that names its command is given only that one.
     */
    static final List<Class<?>> COMMANDS = List.of(DemoCommand.class, TrainCommand.class, DistillCommand.class,
            FinetuneCommand.class, SampleCommand.class, EvalCommand.class, EvalRestoreCommand.class,
            EvalAudioCommand.class, RestoreCommand.class, TtsCommand.class, BenchCommand.class, ExportCommand.class, ServeCommand.class,
            TuneGridCommand.class, TrainClassifierCommand.class, CommandLine.HelpCommand.class);

    @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
            description = "Print stack traces of errors.")
    boolean verbose;

    @Option(names = "--threads", scope = CommandLine.ScopeType.INHERIT, paramLabel = "N|auto",
            description = "Intra-op threads of the array engine: a number, or auto (as many as the cores other "
                    + "processes leave free, checked every step; the default, or what D4J_THREADS says).")
    String threads;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The command line with every subcommand and diffusion4j's error handling: messages, not stack traces. */
    public static CommandLine commandLine() {
        return commandLine(new String[0]);
    }

    /**
     * The command line for {@code args}: only the subcommand they name when they name one (besides {@code help}),
     * else all of them (root help, an unknown name and its suggestions).
     */
    public static CommandLine commandLine(String... args) {
        D4j root = new D4j();
        CommandLine cli = new CommandLine(root);
        String named = commandName(args);
        boolean known = COMMANDS.stream().anyMatch(c -> nameOf(c).equals(named));
        for (Class<?> command : COMMANDS) {
            if (!known || named.equals("help") || nameOf(command).equals(named)) {
                cli.addSubcommand(nameOf(command), command);
            }
        }
        cli.setExecutionStrategy(parsed -> {
            List<CommandLine> commands = parsed.asCommandLineList();
            CommandLine last = commands.get(commands.size() - 1);
            int cores = Runtime.getRuntime().availableProcessors();
            ThreadPolicy policy;
            try {
                policy = root.threads == null ? EngineThreads.fromEnvironment(cores)
                        : ThreadPolicy.parse("--threads", root.threads, cores);
            } catch (InvalidArgumentException e) {
                PrintWriter err = last.getErr();
                err.println("d4j " + last.getCommandName() + ": error: " + e.getMessage());
                err.flush();
                return 1;
            }
            EngineThreads.install(policy);
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
        System.exit(commandLine(args).execute(args));
    }

    /** The first argument that is not a root option or its value; null when there is none. */
    static String commandName(String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--threads")) {
                i++;
            } else if (!args[i].startsWith("-")) {
                return args[i];
            }
        }
        return null;
    }

    private static String nameOf(Class<?> command) {
        return command.getAnnotation(Command.class).name();
    }
}
