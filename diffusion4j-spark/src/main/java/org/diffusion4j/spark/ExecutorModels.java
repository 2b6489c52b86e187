package org.diffusion4j.spark;

import ai.djl.ndarray.NDManager;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.backend.EngineThreads;
import org.diffusion4j.backend.ThreadPolicy;
import org.diffusion4j.eval.Classifier;
import org.diffusion4j.generate.Generator;
import org.diffusion4j.train.ModelSource;

/**
 * The models of one JVM (a Spark executor, or the driver in local mode), each loaded once and shared by the tasks
 * that run there.
 *
 * <p>This is deliberate static mutable state (as is the core's installed engine thread policy): Spark gives an
 * executor no place to keep an object between tasks but a static, and loading a model for every task would cost more
 * than many of its blocks (the bundled MNIST U-Net takes about a second to load). The maps only grow; the weights live
 * as long as the JVM. {@link Generator}s are immutable and serve concurrent tasks; a classifier is only read.
 */
final class ExecutorModels {
    private static final Map<ModelSource, Generator> GENERATORS = new ConcurrentHashMap<>();
    private static final Map<String, Classifier> CLASSIFIERS = new ConcurrentHashMap<>();

    private ExecutorModels() {}

    /** The generator of {@code source}, loaded on first use in this JVM. */
    static Generator generator(ModelSource source) {
        return GENERATORS.computeIfAbsent(source, s -> s.load(Backend.newManager()));
    }

    /** The bundled classifier of {@code dataset} ({@code mnist}, {@code fashion}), loaded on first use. */
    static Classifier classifier(String dataset) {
        return CLASSIFIERS.computeIfAbsent(dataset, Classifier::bundled);
    }

    /**
     * Runs a task's work on this executor's engine.
     *
     * <p>Runs with a fixed engine thread count ({@link EngineThreads#using}): each concurrent task gets {@code
     * threads} (1 by default), so a local[k] or k-core executor runs k × threads engine threads, not k × cores
     * (OpenMP workers that outnumber the cores spin against each other: the shared notes measured 3–6× slower
     * sampling). The load-aware policy cannot see this contention: the other tasks are threads of the same process.
     *
     * <p>And runs the work with diffusion4j's own class loader as the thread's context loader, restored after: Spark
     * SQL runs write tasks (Parquet) under a session class loader through which the JDK's {@code ServiceLoader}
     * finds no {@code RandomGenerator} provider, so the per-sample noise streams failed to start there
     * ({@code No implementation of the random number generator algorithm "L64X128MixRandom"}).
     */
    static <T> T inTask(int threads, Supplier<T> work) {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(ExecutorModels.class.getClassLoader());
        try {
            return EngineThreads.using(new ThreadPolicy.Fixed(threads), work);
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    /** A fresh top-level manager for one task's arrays. */
    static NDManager taskManager() {
        return Backend.newManager();
    }
}
