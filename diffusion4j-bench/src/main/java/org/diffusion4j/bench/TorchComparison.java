package org.diffusion4j.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.diffusion4j.DiffusionException;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.backend.EngineThreads;
import org.diffusion4j.backend.NativeArrays;
import org.diffusion4j.backend.ThreadPolicy;
import org.diffusion4j.io.Safetensors;
import org.diffusion4j.nn.Network;
import org.diffusion4j.train.AdamW;
import org.diffusion4j.train.Gradients;
import org.diffusion4j.train.ModelSource;
import org.diffusion4j.train.PyTorchExport;
import org.diffusion4j.train.TrainedModel;
import org.diffusion4j.train.TrainingConfig;

/**
 * The same network and weights in diffusion4j and in PyTorch eager, timed side by side ({@code d4j bench torch}).
 * The model is exported with {@link PyTorchExport} into a temporary directory, and one Python process
 * ({@link TorchProcess}, the project's {@code torch_bench.py}) rebuilds it from that export. Both sides first compute
 * the network on the same inputs and must agree; then, round by round, each side times each (batch, operation) in
 * turn (who goes first alternates between rounds), so drifts of the machine fall on both, and nothing runs on one
 * side while the other is timed. Each side uses the same number of intra-op threads.
 *
 * <ul>
 *   <li>{@code forward}: the raw network F(x, c_noise, class) without gradients (PyTorch: eval mode under
 *       {@code no_grad}).
 *   <li>{@code train}: one training step: the network in training mode (dropout on), the mean squared error to a
 *       fixed target, backward, AdamW with the run's optimizer settings, gradients zeroed (on a second copy of the
 *       weights on each side).
 * </ul>
 */
public final class TorchComparison {
    /** The operations timed, in order. */
    public static final List<String> OPERATIONS = List.of("forward", "train");

    /** The bound on |F_pytorch − F_java| relative to max(1, max |F_java|): float32 rounding. */
    public static final double AGREEMENT_BOUND = 1e-4;

    private TorchComparison() {}

    /**
     * @param model {@code bundled:NAME}, or null with {@code run}
     * @param run a trained run directory, or null with {@code model}
     * @param batches the batch sizes
     * @param threads intra-op threads of each side
     * @param rounds timed rounds (the medians are over these)
     * @param minSeconds least time of one side's measurement in a round: the calls per measurement are chosen from
     *     a warm-up call of the Java side, the same on both sides
     * @param python the Python that has PyTorch
     * @param seed seeds the inputs
     */
    public record Config(String model, Path run, List<Integer> batches, int threads, int rounds, double minSeconds,
            Path python, long seed) {
        public Config {
            if ((model == null) == (run == null)) {
                throw new InvalidArgumentException("give a model (bundled:NAME) or a run directory, one of them");
            }
            batches = List.copyOf(batches);
            if (batches.isEmpty() || batches.stream().anyMatch(b -> b < 1)) {
                throw new InvalidArgumentException("batches must be positive, got " + batches);
            }
            if (threads < 1 || rounds < 1 || !(minSeconds >= 0)) {
                throw new InvalidArgumentException("threads and rounds must be at least 1 and the least time at "
                        + "least 0; got threads " + threads + ", rounds " + rounds + ", min seconds " + minSeconds);
            }
        }

        /** What the tables call the model. */
        public String name() {
            return model != null ? model : run.toString();
        }
    }

    /** What the comparison came to: a report, or why it could not run. */
    public sealed interface Outcome permits Report, Skipped {}

    /** No PyTorch to compare with: not an error (PyTorch is optional, and never part of CI). */
    public record Skipped(Path python, String reason) implements Outcome {
        /** {@code skipped: no PyTorch at PYTHON (REASON)}. */
        public String message() {
            return "skipped: no PyTorch at " + python + " (" + reason + ")";
        }
    }

    /**
     * The network's outputs on the same inputs.
     *
     * @param batch the batch size
     * @param maxAbsDiff max |F_pytorch − F_java|
     * @param maxAbsJava max |F_java|
     */
    public record Agreement(int batch, double maxAbsDiff, double maxAbsJava) {
        /** The difference relative to max(1, max |F_java|). */
        public double relative() {
            return maxAbsDiff / Math.max(1, maxAbsJava);
        }
    }

    /**
     * One (batch, operation): the medians over the rounds of the time of one call on each side.
     *
     * @param calls calls per measurement (each side, each round)
     * @param javaMs median ms per call in diffusion4j
     * @param torchMs median ms per call in PyTorch
     * @param ratio javaMs / torchMs: below 1, diffusion4j is faster
     * @param javaRoundsMs each round's ms per call in diffusion4j
     * @param torchRoundsMs each round's ms per call in PyTorch
     */
    public record Row(int batch, String operation, int calls, double javaMs, double torchMs, double ratio,
            List<Double> javaRoundsMs, List<Double> torchRoundsMs) {
        public Row {
            javaRoundsMs = List.copyOf(javaRoundsMs);
            torchRoundsMs = List.copyOf(torchRoundsMs);
        }
    }

    /**
     * @param model the model's name
     * @param torchVersion PyTorch's version
     * @param engineVersion the diffusion4j engine (DJL's PyTorch) version
     * @param threads intra-op threads of each side
     * @param rounds timed rounds
     * @param agreement the output check at each batch
     * @param rows the timings
     */
    public record Report(String model, String torchVersion, String engineVersion, int threads, int rounds,
            List<Agreement> agreement, List<Row> rows) implements Outcome {
        public Report {
            agreement = List.copyOf(agreement);
            rows = List.copyOf(rows);
        }
    }

    /**
     * Runs the comparison with arrays in {@code manager}; {@code log} hears what is being done. The engine's
     * intra-op thread count is {@code config.threads()} during the run (a fixed policy on this thread), restored after.
     */
    public static Outcome run(Config config, NDManager manager, Consumer<String> log) throws IOException {
        Path work = Files.createTempDirectory("d4j-bench-torch");
        try {
            return EngineThreads.using(new ThreadPolicy.Fixed(config.threads()), () -> {
                try {
                    return runIn(work, config, manager, log);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        } finally {
            deleteTree(work);
        }
    }

    private static Outcome runIn(Path work, Config config, NDManager manager, Consumer<String> log)
            throws IOException {
        try (NDManager scope = manager.newSubManager()) {
            Path export = work.resolve("model");
            log.accept("exporting " + config.name() + " to PyTorch");
            if (config.run() != null) {
                PyTorchExport.exportRun(config.run(), export, false, scope);
            } else {
                PyTorchExport.exportBundled(ModelSource.bundledName(config.model()), export, false, scope);
            }
            log.accept("starting " + config.python());
            TorchProcess.Start start = TorchProcess.start(config.python(), export, config.threads(), work);
            if (start instanceof TorchProcess.Unavailable unavailable) {
                return new Skipped(config.python(), unavailable.reason());
            }
            try (TorchProcess torch = ((TorchProcess.Started) start).process()) {
                return compare(config, torch, work, scope, log);
            }
        }
    }

    private static Report compare(Config config, TorchProcess torch, Path work, NDManager manager,
            Consumer<String> log) {
        JavaSide d4j = new JavaSide(load(config, manager), load(config, manager), manager);
        List<Agreement> agreement = new ArrayList<>();
        Map<Integer, Inputs> inputs = new LinkedHashMap<>();
        for (int batch : config.batches()) {
            Inputs in = d4j.inputs(batch, config.seed(), work.resolve("inputs-" + batch + ".safetensors"));
            inputs.put(batch, in);
            JsonNode check = torch.ask(TorchProcess.request("check").put("file", in.file().toString()));
            Agreement a = new Agreement(batch, check.get("max_abs_diff").asDouble(),
                    check.get("max_abs_java").asDouble());
            if (!(a.relative() <= AGREEMENT_BOUND)) {
                throw new DiffusionException(String.format(Locale.ROOT, "the PyTorch rebuild of %s "
                        + "disagrees with diffusion4j at batch %d: max |difference| %.3g against max |output| "
                        + "%.3g (bound %.0e relative)", config.name(), batch, a.maxAbsDiff(), a.maxAbsJava(),
                        AGREEMENT_BOUND));
            }
            agreement.add(a);
            log.accept(String.format(Locale.ROOT, "batch %d: outputs agree to %.2g", batch,
                    a.maxAbsDiff()));
        }
        // warm-up of both sides, and the calls per measurement from the Java side's second call
        Map<String, Integer> calls = new LinkedHashMap<>();
        for (int batch : config.batches()) {
            for (String op : OPERATIONS) {
                Inputs in = inputs.get(batch);
                d4j.time(op, in, 1);
                torchTime(torch, op, in, 1);
                double once = d4j.time(op, in, 1);
                calls.put(batch + " " + op, (int) Math.max(1, Math.min(100, Math.ceil(config.minSeconds() / once))));
            }
        }
        Map<String, List<Double>> javaMs = new LinkedHashMap<>();
        Map<String, List<Double>> torchMs = new LinkedHashMap<>();
        for (int round = 0; round < config.rounds(); round++) {
            log.accept("round " + (round + 1) + " of " + config.rounds());
            for (int batch : config.batches()) {
                for (String op : OPERATIONS) {
                    String key = batch + " " + op;
                    Inputs in = inputs.get(batch);
                    int k = calls.get(key);
                    if (round % 2 == 0) {
                        javaMs.computeIfAbsent(key, x -> new ArrayList<>()).add(1e3 * d4j.time(op, in, k));
                        torchMs.computeIfAbsent(key, x -> new ArrayList<>()).add(1e3 * torchTime(torch, op, in, k));
                    } else {
                        torchMs.computeIfAbsent(key, x -> new ArrayList<>()).add(1e3 * torchTime(torch, op, in, k));
                        javaMs.computeIfAbsent(key, x -> new ArrayList<>()).add(1e3 * d4j.time(op, in, k));
                    }
                }
            }
        }
        List<Row> rows = new ArrayList<>();
        for (int batch : config.batches()) {
            for (String op : OPERATIONS) {
                String key = batch + " " + op;
                double j = median(javaMs.get(key));
                double t = median(torchMs.get(key));
                rows.add(new Row(batch, op, calls.get(key), j, t, j / t, javaMs.get(key), torchMs.get(key)));
            }
        }
        return new Report(config.name(), torch.version(), Engine.getEngine(Backend.ENGINE).getVersion(),
                config.threads(), config.rounds(), agreement, rows);
    }

    private static double torchTime(TorchProcess torch, String op, Inputs in, int calls) {
        return torch.ask(TorchProcess.request(op).put("file", in.file().toString()).put("calls", calls))
                .get("seconds").asDouble();
    }

    private static TrainedModel load(Config config, NDManager manager) {
        return config.run() != null ? TrainedModel.load(config.run(), manager)
                : TrainedModel.bundled(ModelSource.bundledName(config.model()), manager);
    }

    /** The median of {@code values}. */
    static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** One batch's inputs, engine-owned, and the file that holds them for the Python side. */
    private record Inputs(NDArray x, NDArray noiseLabel, NDArray classLabels, NDArray target, Path file) {}

    /** The Java side: a copy of the network for inference, another with its optimizer for training steps. */
    private static final class JavaSide {
        private final TrainedModel inference;
        private final Network training;
        private final AdamW adam;
        private final double learningRate;
        private final NDManager manager;

        JavaSide(TrainedModel inference, TrainedModel training, NDManager manager) {
            this.inference = inference;
            this.training = training.network();
            this.manager = manager;
            TrainingConfig.Optimization o = training.config().optimization();
            this.training.weights().requireGradients(true);
            this.adam = new AdamW(this.training.weights().all(), manager, o.beta1(), o.beta2(), o.epsilon(),
                    o.weightDecay());
            this.learningRate = o.learningRate();
        }

        /** Seeded inputs of {@code batch} (Gaussian x, noise labels and target; classes 0, 1, …), written out. */
        Inputs inputs(int batch, long seed, Path file) {
            Network network = inference.network();
            List<Integer> sample = inference.config().network().sampleShape();
            Shape shape = new Shape(batch).addAll(new Shape(sample.stream().mapToLong(Integer::longValue)
                    .toArray()));
            SplittableRandom random = new SplittableRandom(seed + batch);
            NDArray x = gaussian(random, shape);
            NDArray noise = gaussian(random, new Shape(batch));
            NDArray target = gaussian(random, shape);
            int classes = network.config().classes();
            NDArray labels = null;
            if (classes > 0) {
                double[] values = new double[batch];
                for (int i = 0; i < batch; i++) {
                    values[i] = i % classes;
                }
                labels = NativeArrays.of(manager, values, new Shape(batch), DataType.INT32);
            }
            Map<String, NDArray> arrays = new LinkedHashMap<>();
            arrays.put("x", x);
            arrays.put("noise_label", noise);
            arrays.put("target", target);
            if (labels != null) {
                arrays.put("class_labels", labels);
            }
            Inputs in = new Inputs(x, noise, labels, target, file);
            try (NDManager call = manager.newSubManager()) {
                for (NDArray a : arrays(in)) {
                    a.tempAttach(call);
                }
                arrays.put("java", network.forward(x, noise, labels, false));
                Safetensors.write(file, arrays);
            }
            return in;
        }

        private NDArray gaussian(SplittableRandom random, Shape shape) {
            double[] values = new double[Math.toIntExact(shape.size())];
            for (int i = 0; i < values.length; i++) {
                values[i] = random.nextGaussian();
            }
            return NativeArrays.of(manager, values, shape, DataType.FLOAT32);
        }

        /** The mean seconds of {@code calls} calls of {@code op} on {@code in}. */
        double time(String op, Inputs in, int calls) {
            long start = System.nanoTime();
            for (int i = 0; i < calls; i++) {
                if (op.equals("forward")) {
                    forward(in);
                } else {
                    train(in);
                }
            }
            return (System.nanoTime() - start) / 1e9 / calls;
        }

        private void forward(Inputs in) {
            try (NDManager call = manager.newSubManager()) {
                for (NDArray a : arrays(in)) {
                    a.tempAttach(call);
                }
                inference.network().forward(in.x(), in.noiseLabel(), in.classLabels(), false);
            }
        }

        private void train(Inputs in) {
            try (NDManager step = manager.newSubManager()) {
                for (NDArray a : arrays(in)) {
                    a.tempAttach(step);
                }
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    NDArray error = training.forward(in.x(), in.noiseLabel(), in.classLabels(), true)
                            .sub(in.target());
                    NDArray loss = error.mul(error).mean();
                    loss.getFloat();
                    collector.backward(loss);
                }
                adam.update(training.weights().all(), learningRate);
                Gradients.zero(training.weights().all());
            }
        }

        private static List<NDArray> arrays(Inputs in) {
            return Stream.of(in.x(), in.noiseLabel(), in.classLabels(), in.target())
                    .filter(Objects::nonNull).toList();
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the temporary directory " + dir, e);
        }
    }
}
