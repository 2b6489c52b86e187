package org.diffusion4j.spark;

import java.util.List;
import java.util.function.Supplier;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaRDD;
import org.diffusion4j.DiffusionException;

/**
 * Runs Spark actions so that a diffusion4j error raised in a task (an unknown sampler, a bad budget) reaches the
 * user as itself, with its message, instead of wrapped in Spark's task-failure report.
 */
final class SparkJobs {
    private SparkJobs() {}

    /** {@code rdd.collect()}. */
    static <T> List<T> collect(JavaRDD<T> rdd) {
        return call(rdd::collect);
    }

    /** Runs an action that returns nothing. */
    static void run(Runnable action) {
        call(() -> {
            action.run();
            return null;
        });
    }

    /** Runs an action, unwrapping a task's {@link DiffusionException}. */
    static <T> T call(Supplier<T> action) {
        try {
            return action.get();
        } catch (Exception e) { // Scala throws SparkException (checked in Java) without declaring it
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof DiffusionException d) {
                    throw d;
                }
            }
            if (e instanceof SparkException) {
                throw new DiffusionException("the Spark job failed: " + e.getMessage(), e);
            }
            if (e instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e);
        }
    }
}
