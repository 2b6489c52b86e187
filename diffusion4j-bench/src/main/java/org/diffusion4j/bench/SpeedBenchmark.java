package org.diffusion4j.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.UnknownNameException;
import org.diffusion4j.backend.EngineThreads;
import org.diffusion4j.backend.ThreadPolicy;
import org.diffusion4j.denoise.Denoiser;
import org.diffusion4j.generate.GenerationRequest;
import org.diffusion4j.generate.Generator;
import org.diffusion4j.sample.Sampler;
import org.diffusion4j.sample.SamplerRegistry;
import org.diffusion4j.train.Trainer;

/**
 * What a sampler step and a training step cost on this machine, and where the time goes.
 *
 * <ul>
 *   <li>Sampler overhead: wall time T of a whole sampling run against NFE × the mean time of its own denoiser
 *       calls: overhead = (T − NFE·T_call)/T, the share of the time the sampler spends outside the network.
 *   <li>Training-loop overhead: images/s of {@link Trainer} (data, corruption, clipping, AdamW, EMA) against a bare
 *       forward + backward + AdamW step of the same network on a fixed batch.
 *   <li>Thread scaling: sampling and training at each intra-op thread count.
 *   <li>Memory: resident memory (heap and native), read after a full collection 50 times across a long sampling
 *       run and a long training run; growth is the change from the end of the first tenth to the end.
 * </ul>
 */
public final class SpeedBenchmark {
    private SpeedBenchmark() {}

    /**
     * @param models the networks ({@link BenchModel#NAMES}); the first also runs the thread scaling
     * @param batches the sampling batch of each model
     * @param samplers sampler specs
     * @param steps sampler steps (levels of the Karras grid)
     * @param minSeconds least time spent sampling with each sampler (runs repeat until it is reached)
     * @param trainSteps timed training steps (after {@code warmupSteps})
     * @param warmupSteps training steps before timing
     * @param threads intra-op thread counts for the scaling rows (empty: none)
     * @param memoryModel the network of the memory runs
     * @param memoryBatch its sampling batch
     * @param memorySamplerSteps steps of the long sampling run (0: none)
     * @param memoryTrainSteps steps of the long training run (0: none)
     * @param seed seeds weights, data and latents
     */
    public record Config(List<String> models, List<Integer> batches, List<String> samplers, int steps,
            double minSeconds, int trainSteps, int warmupSteps, List<Integer> threads, String memoryModel,
            int memoryBatch, int memorySamplerSteps, int memoryTrainSteps, long seed) {
        public Config {
            models = List.copyOf(models);
            batches = List.copyOf(batches);
            samplers = List.copyOf(samplers);
            threads = List.copyOf(threads);
            if (models.size() != batches.size()) {
                throw new InvalidArgumentException(models.size() + " models but " + batches.size() + " batches");
            }
            if (steps < 1 || trainSteps < 1 || warmupSteps < 0 || memorySamplerSteps < 0 || memoryTrainSteps < 0) {
                throw new InvalidArgumentException("sampler steps and timed training steps must be at least 1, the "
                        + "others at least 0; got steps " + steps + ", train steps " + trainSteps + ", warm-up "
                        + warmupSteps + ", memory steps " + memorySamplerSteps + " and " + memoryTrainSteps);
            }
            List<String> named = new ArrayList<>(models);
            named.add(memoryModel);
            for (String model : named) {
                if (!BenchModel.NAMES.contains(model)) {
                    throw new UnknownNameException("bench model", model, BenchModel.NAMES);
                }
            }
            for (int t : threads) {
                if (t < 1) {
                    throw new InvalidArgumentException("thread counts must be at least 1, got " + t);
                }
            }
        }
    }

    /** One sampler on one model: NFE, wall time of a run and of one call, and the overhead share. */
    public record SamplerRow(String model, int batch, String sampler, boolean stochastic, long nfe, int runs,
            double sampleSeconds, double callSeconds, double overhead) {}

    /** The training loop against a bare step of the same network and batch. */
    public record TrainingRow(String model, int batch, long parameters, double loopImagesPerSecond,
            double bareImagesPerSecond, double overhead) {}

    /** One task at one thread count; speed-up against the first count. */
    public record ThreadRow(String task, int threads, double seconds, double speedup) {}

    /** Resident memory across a long run, read after a full collection, and the live Java heap at its end (MiB). */
    public record MemoryRow(String task, long steps, double startMib, double settledMib, double endMib,
            double peakMib, double growth, double heapMib) {}

    /** Everything measured. */
    public record Report(List<SamplerRow> samplers, List<TrainingRow> training, List<ThreadRow> threads,
            List<MemoryRow> memory, int intraOpThreads) {}

    /** Runs the measurements of {@code config}; {@code progress} hears a line per measurement. */
    public static Report run(Config config, NDManager manager, Consumer<String> progress) {
        List<SamplerRow> samplerRows = new ArrayList<>();
        List<TrainingRow> trainingRows = new ArrayList<>();
        List<ThreadRow> threadRows = new ArrayList<>();
        List<MemoryRow> memoryRows = new ArrayList<>();
        int threads = EngineThreads.policy().maxThreads();
        // the long runs first, in a process that has not yet run anything else
        if (config.memorySamplerSteps() > 0 || config.memoryTrainSteps() > 0) {
            try (NDManager modelManager = manager.newSubManager()) {
                BenchModel model = BenchModel.named(config.memoryModel(), config.memoryBatch(), modelManager,
                        config.seed());
                if (config.memorySamplerSteps() > 0) {
                    memoryRows.add(samplingMemory(model, config, modelManager));
                    progress.accept(model.name() + " sampling memory");
                }
                if (config.memoryTrainSteps() > 0) {
                    memoryRows.add(trainingMemory(model, config));
                    progress.accept(model.name() + " training memory");
                }
            }
        }
        for (int m = 0; m < config.models().size(); m++) {
            try (NDManager modelManager = manager.newSubManager()) {
                BenchModel model = BenchModel.named(config.models().get(m), config.batches().get(m), modelManager,
                        config.seed());
                warmUp(model, config, modelManager);
                for (String spec : config.samplers()) {
                    samplerRows.add(samplerOverhead(model, spec, config, modelManager));
                    progress.accept(model.name() + " " + spec);
                }
                trainingRows.add(trainingOverhead(model, config, modelManager));
                progress.accept(model.name() + " training");
                if (m == 0) {
                    threadRows.addAll(threadScaling(model, config, modelManager));
                    progress.accept(model.name() + " threads");
                }
            }
        }
        return new Report(samplerRows, trainingRows, threadRows, memoryRows, threads);
    }

    /** One untimed run, so that the engine's first-call costs do not land on the first sampler. */
    private static void warmUp(BenchModel model, Config config, NDManager manager) {
        try (NDManager scope = manager.newSubManager()) {
            model.generator(model.denoiser()).generate(run(model, config, "heun", Math.min(config.steps(), 4)),
                    scope);
        }
    }

    private static SamplerRow samplerOverhead(BenchModel model, String spec, Config config, NDManager manager) {
        Sampler sampler = SamplerRegistry.create(spec, model.context());
        TimedDenoiser denoiser = new TimedDenoiser(model.denoiser());
        Generator generator = model.generator(denoiser);
        GenerationRequest request = run(model, config, spec, config.steps());
        long nfe = 0;
        int runs = 0;
        long started = System.nanoTime();
        do {
            try (NDManager scope = manager.newSubManager()) {
                nfe = generator.generate(request, scope).evaluations();
            }
            runs++;
        } while ((System.nanoTime() - started) / 1e9 < config.minSeconds());
        double sample = (System.nanoTime() - started) / 1e9 / runs;
        double call = denoiser.seconds / denoiser.calls;
        return new SamplerRow(model.name(), model.batch(), spec, sampler.isStochastic(), nfe, runs, sample, call,
                (sample - nfe * call) / sample);
    }

    /** Times the calls of the denoiser it wraps (the engine computes on the calling thread, so this is exact). */
    private static final class TimedDenoiser implements Denoiser {
        private final Denoiser inner;
        private long calls;
        private double seconds;

        TimedDenoiser(Denoiser inner) {
            this.inner = inner;
        }

        @Override
        public NDArray denoise(NDArray x, double sigma) {
            long started = System.nanoTime();
            NDArray out = inner.denoise(x, sigma);
            seconds += (System.nanoTime() - started) / 1e9;
            calls++;
            return out;
        }
    }

    private static TrainingRow trainingOverhead(BenchModel model, Config config, NDManager manager) {
        double loop = loopSecondsPerStep(model, config, config.warmupSteps(), config.trainSteps());
        double bare = bareSecondsPerStep(model, config, manager);
        int batch = model.config().optimization().batch();
        return new TrainingRow(model.name(), batch, model.network().weights().count(), batch / loop, batch / bare,
                1 - bare / loop);
    }

    /** Seconds per step of {@link Trainer} over {@code timed} steps after {@code warmup}, in a throw-away run. */
    private static double loopSecondsPerStep(BenchModel model, Config config, int warmup, int timed) {
        long[] times = new long[warmup + timed + 1];
        ThrowawayRun.train(model, config.seed(), warmup + timed, new Trainer.Listener() {
            @Override
            public void started(long step, long steps, long parameters) {
                times[0] = System.nanoTime();
            }

            @Override
            public void stepped(long step, double loss, double imagesPerSecond) {
                times[(int) step] = System.nanoTime();
            }
        });
        return (times[warmup + timed] - times[warmup]) / 1e9 / timed;
    }

    /** Seconds per step of {@link BareTrainingStep} over the timed steps, after the warm-up ones. */
    private static double bareSecondsPerStep(BenchModel model, Config config, NDManager manager) {
        try (NDManager scope = manager.newSubManager()) {
            BareTrainingStep bare = new BareTrainingStep(model, config.seed(), scope);
            for (int step = 0; step < config.warmupSteps(); step++) {
                bare.run();
            }
            long start = System.nanoTime();
            for (int step = 0; step < config.trainSteps(); step++) {
                bare.run();
            }
            return (System.nanoTime() - start) / 1e9 / config.trainSteps();
        }
    }

    private static List<ThreadRow> threadScaling(BenchModel model, Config config, NDManager manager) {
        List<ThreadRow> rows = new ArrayList<>();
        double firstSampling = Double.NaN;
        double firstTraining = Double.NaN;
        for (int threads : config.threads()) {
            double[] seconds = EngineThreads.using(new ThreadPolicy.Fixed(threads), () -> {
                long started = System.nanoTime();
                try (NDManager scope = manager.newSubManager()) {
                    model.generator(model.denoiser()).generate(run(model, config, "heun", config.steps()), scope);
                }
                double sampling = (System.nanoTime() - started) / 1e9;
                return new double[] {sampling, loopSecondsPerStep(model, config, Math.min(config.warmupSteps(), 2),
                        config.trainSteps())};
            });
            if (rows.isEmpty()) {
                firstSampling = seconds[0];
                firstTraining = seconds[1];
            }
            rows.add(new ThreadRow("sample heun " + config.steps() + " steps", threads, seconds[0],
                    firstSampling / seconds[0]));
            rows.add(new ThreadRow("train step", threads, seconds[1], firstTraining / seconds[1]));
        }
        rows.sort(Comparator.comparing(ThreadRow::task));
        return rows;
    }

    /** dpmpp-2m (it keeps the previous step's denoised batch) over one long grid; memory read 50 times. */
    private static MemoryRow samplingMemory(BenchModel model, Config config, NDManager manager) {
        int steps = config.memorySamplerSteps();
        MemoryTrace trace = new MemoryTrace(steps);
        try (NDManager scope = manager.newSubManager()) {
            model.generator(model.denoiser()).generate(run(model, config, "dpmpp-2m", steps).toBuilder()
                    .callback(info -> trace.at(info.step() + 1)).build(), scope);
        }
        return trace.row("sample dpmpp-2m, batch " + model.batch());
    }

    private static MemoryRow trainingMemory(BenchModel model, Config config) {
        int steps = config.memoryTrainSteps();
        MemoryTrace trace = new MemoryTrace(steps);
        ThrowawayRun.train(model, config.seed(), steps, new Trainer.Listener() {
            @Override
            public void stepped(long step, double loss, double imagesPerSecond) {
                trace.at(step);
            }
        });
        return trace.row("train, batch " + model.config().optimization().batch());
    }

    /** Resident memory at the start, after the first tenth, at the end, and its peak over 50 readings. */
    private static final class MemoryTrace {
        private final long steps;
        private final double start = ResidentMemory.mebibytes();
        private double settled = Double.NaN;
        private double end = Double.NaN;
        private double peak = Double.NaN;

        MemoryTrace(long steps) {
            this.steps = steps;
        }

        void at(long step) {
            if (step % Math.max(1, steps / 50) != 0 && step != steps) {
                return;
            }
            System.gc(); // what stays, not what the collector has yet to reclaim
            double now = ResidentMemory.mebibytes();
            peak = Double.isNaN(peak) ? now : Math.max(peak, now);
            if (Double.isNaN(settled) && step >= steps / 10) {
                settled = now;
            }
            end = now;
        }

        MemoryRow row(String task) {
            Runtime runtime = Runtime.getRuntime();
            return new MemoryRow(task, steps, start, settled, end, peak, (end - settled) / settled,
                    (runtime.totalMemory() - runtime.freeMemory()) / (1024.0 * 1024.0));
        }
    }

    /** A run of {@code spec} over {@code steps} steps of the model's grid, one seed per sample of the batch. */
    private static GenerationRequest run(BenchModel model, Config config, String spec, int steps) {
        return GenerationRequest.builder(GenerationRequest.consecutiveSeeds(config.seed(), model.batch()))
                .sampler(spec).steps(steps).build();
    }
}
