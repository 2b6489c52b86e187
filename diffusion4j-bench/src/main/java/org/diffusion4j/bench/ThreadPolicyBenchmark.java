package org.diffusion4j.bench;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.diffusion4j.DiffusionException;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.UnknownNameException;

/**
 * Thread policies under load: each {@link ThreadWorkload} with each policy, on an idle machine, beside busy
 * processes that keep every core loaded ({@code loaded}), and beside a second copy of itself started at the same
 * moment ({@code twin}, two diffusion4j runs sharing the machine). Every measurement is a fresh JVM, since the engine
 * fixes its OpenMP pool when it starts, with this process's environment (the launcher's allocator settings); the
 * policies take turns within each repeat, and rows give the median over repeats and the ratio to the best policy of
 * the same workload and condition.
 */
public final class ThreadPolicyBenchmark {
    /** The conditions {@link #run} knows. */
    public static final List<String> CONDITIONS = List.of("idle", "loaded", "twin");

    /**
     * @param workloads names of {@link ThreadWorkload#NAMES}
     * @param policies thread policies as {@code --threads} spells them ({@code 1}, {@code 2}, {@code auto})
     * @param conditions names of {@link #CONDITIONS}
     * @param repeats measurements per row (the row keeps the median)
     */
    public record Config(List<String> workloads, List<String> policies, List<String> conditions, int repeats) {
        public Config {
            workloads.forEach(w -> {
                if (!ThreadWorkload.NAMES.contains(w)) {
                    throw new UnknownNameException("workload", w, ThreadWorkload.NAMES);
                }
            });
            conditions.forEach(c -> {
                if (!CONDITIONS.contains(c)) {
                    throw new UnknownNameException("condition", c, CONDITIONS);
                }
            });
            if (repeats < 1 || policies.isEmpty()) {
                throw new InvalidArgumentException("need at least one policy and one repeat, got " + policies
                        + " and " + repeats);
            }
        }
    }

    /**
     * @param seconds median wall time of the timed part
     * @param runs every measurement's seconds
     * @param lastThreads the thread count the last step of the last measurement ran with
     * @param vsBest seconds over the best policy's seconds for this workload and condition
     */
    public record Row(String workload, String condition, String policy, double seconds, double[] runs,
            int lastThreads, double vsBest) {}

    private static final Pattern RESULT = Pattern.compile("seconds=([0-9.]+) threads=([0-9]+)");

    private ThreadPolicyBenchmark() {}

    /** Runs every measurement; {@code progress} hears each finished row. */
    public static List<Row> run(Config config, Consumer<Row> progress) {
        List<Row> rows = new ArrayList<>();
        for (String workload : config.workloads()) {
            for (String condition : config.conditions()) {
                // repeat by repeat, every policy in turn: a slow spell of the machine falls on all of them
                List<String> policies = config.policies();
                double[][] runs = new double[policies.size()][config.repeats()];
                int[] lastThreads = new int[policies.size()];
                for (int r = 0; r < config.repeats(); r++) {
                    for (int p = 0; p < policies.size(); p++) {
                        double[] measured = measure(workload, policies.get(p), condition);
                        runs[p][r] = measured[0];
                        lastThreads[p] = (int) measured[1];
                    }
                }
                List<Row> group = new ArrayList<>();
                for (int p = 0; p < policies.size(); p++) {
                    group.add(new Row(workload, condition, policies.get(p),
                            TorchComparison.median(Arrays.stream(runs[p]).boxed().toList()), runs[p], lastThreads[p],
                            Double.NaN));
                }
                double best = group.stream().mapToDouble(Row::seconds).min().orElseThrow();
                for (Row row : group) {
                    Row done = new Row(row.workload(), row.condition(), row.policy(), row.seconds(), row.runs(),
                            row.lastThreads(), row.seconds() / best);
                    rows.add(done);
                    progress.accept(done);
                }
            }
        }
        return rows;
    }

    /** One measurement: {seconds, threads of the last step}; a twin run gives the mean of the pair. */
    private static double[] measure(String workload, String policy, String condition) {
        List<Process> load = new ArrayList<>();
        try {
            if (condition.equals("loaded")) {
                for (int i = 0; i < Runtime.getRuntime().availableProcessors(); i++) {
                    load.add(new ProcessBuilder("sh", "-c", "while :; do :; done").start());
                }
            }
            Process main = workload(workload, policy);
            Process twin = condition.equals("twin") ? workload(workload, policy) : null;
            double[] result = result(main);
            if (twin != null) {
                double[] other = result(twin);
                result[0] = (result[0] + other[0]) / 2;
            }
            return result;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start a measurement process", e);
        } finally {
            load.forEach(Process::destroyForcibly);
        }
    }

    private static Process workload(String workload, String policy) throws IOException {
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        return new ProcessBuilder(java, "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"),
                ThreadWorkload.class.getName(), workload, policy).redirectErrorStream(true).start();
    }

    private static double[] result(Process process) {
        try {
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int code = process.waitFor();
            Matcher m = RESULT.matcher(out);
            if (code != 0 || !m.find()) {
                throw new DiffusionException("a measurement process failed (exit " + code + "): " + out.strip());
            }
            return new double[] {Double.parseDouble(m.group(1)), Integer.parseInt(m.group(2))};
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DiffusionException("interrupted while measuring");
        }
    }
}
