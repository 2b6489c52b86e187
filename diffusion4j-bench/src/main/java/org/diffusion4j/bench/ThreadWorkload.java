package org.diffusion4j.bench;

import ai.djl.ndarray.NDManager;
import java.util.List;
import java.util.Locale;
import org.diffusion4j.UnknownNameException;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.backend.EngineThreads;
import org.diffusion4j.backend.ThreadPolicy;
import org.diffusion4j.generate.GenerationRequest;
import org.diffusion4j.train.Trainer;

/**
 * One timed workload in a process of its own, for {@link ThreadPolicyBenchmark}: the thread policy is a property of
 * the process (OpenMP's pool), so each measurement starts a fresh JVM. Prints one line, {@code seconds=S
 * threads=T}: the wall time of the timed part (after a warm-up) and the thread count its last step ran with.
 *
 * <p>Arguments: workload ({@link #NAMES}), thread policy ({@code 1}, {@code 2}, {@code auto}, …).
 */
public final class ThreadWorkload {
    /**
     * {@code sample-unet}: 10 dpmpp-2m steps of the shipped MNIST U-Net at batch 64; {@code train-unet}: 6 training
     * steps of it (real loop, synthetic data, batch 64); {@code sample-mlp}: 100 dpmpp-2m steps of the toy MLP at
     * batch 4096 (a step of small engine calls), after 30 warm-up steps.
     */
    public static final List<String> NAMES = List.of("sample-unet", "train-unet", "sample-mlp");

    private ThreadWorkload() {}

    public static void main(String[] args) {
        if (args.length != 2) {
            System.err.println("usage: ThreadWorkload WORKLOAD THREADS (" + String.join(", ", NAMES) + "; N or auto)");
            System.exit(2);
        }
        EngineThreads.install(ThreadPolicy.parse(args[1], Runtime.getRuntime().availableProcessors()));
        double seconds = run(args[0]);
        System.out.printf(Locale.ROOT, "seconds=%.4f threads=%d%n", seconds, EngineThreads.appliedToThisThread());
    }

    /** The timed part's wall time in seconds. */
    static double run(String workload) {
        try (NDManager manager = Backend.newManager()) {
            switch (workload) {
                case "sample-unet":
                    return sample(BenchModel.named("unet", 64, manager, 0), 2, 10, manager);
                case "sample-mlp":
                    return sample(BenchModel.named("mlp", 4096, manager, 0), 30, 100, manager);
                case "train-unet":
                    return train(BenchModel.named("unet", 64, manager, 0), 2, 6);
                default:
                    throw new UnknownNameException("workload", workload, NAMES);
            }
        }
    }

    /** Times a run of {@code steps} after a warm-up run of {@code warmUpSteps} (the JIT compiles the step code). */
    private static double sample(BenchModel model, int warmUpSteps, int steps, NDManager manager) {
        GenerationRequest warmUp = GenerationRequest.builder(GenerationRequest.consecutiveSeeds(0, model.batch()))
                .sampler("dpmpp-2m").steps(warmUpSteps).build();
        GenerationRequest timed = GenerationRequest.builder(GenerationRequest.consecutiveSeeds(0, model.batch()))
                .sampler("dpmpp-2m").steps(steps).build();
        try (NDManager scope = manager.newSubManager()) {
            model.generator(model.denoiser()).generate(warmUp, scope);
        }
        long started = System.nanoTime();
        try (NDManager scope = manager.newSubManager()) {
            model.generator(model.denoiser()).generate(timed, scope);
        }
        return (System.nanoTime() - started) / 1e9;
    }

    /** Times steps {@code warmUp + 1} … {@code warmUp + timed} of a throwaway run. */
    private static double train(BenchModel model, int warmUp, int timed) {
        long[] window = new long[2];
        ThrowawayRun.train(model, 0, warmUp + timed, new Trainer.Listener() {
            @Override
            public void stepped(long step, double loss, double imagesPerSecond) {
                if (step == warmUp) {
                    window[0] = System.nanoTime();
                } else if (step == warmUp + timed) {
                    window[1] = System.nanoTime();
                }
            }
        });
        return (window[1] - window[0]) / 1e9;
    }
}
