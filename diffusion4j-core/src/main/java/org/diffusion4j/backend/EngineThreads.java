package org.diffusion4j.backend;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The engine's intra-op thread policy for this process, applied at the start of every step of every loop.
 *
 * <p>The engine's thread count is process state by nature (libtorch's OpenMP pool), so its policy is too: it is
 * chosen once, before the engine starts ({@link #install}), by the command line from {@code --threads}, else from
 * the environment variable {@value #ENVIRONMENT}, else {@code auto} ({@link ThreadPolicy.LoadAware}). A task that
 * must run with its own count whatever the process chose (a Spark task: concurrent tasks × threads ≤ cores) runs
 * inside {@link #using}.
 *
 * <p>OpenMP keeps the thread count per calling thread, so {@link #beforeStep} sets it on the thread that runs the
 * step, and only when it changes.
 */
public final class EngineThreads {
    /** The environment variable that chooses the policy when no {@code --threads} is given: {@code auto} or N. */
    public static final String ENVIRONMENT = "D4J_THREADS";

    private static final AtomicReference<ThreadPolicy> INSTALLED = new AtomicReference<>();
    private static final ThreadLocal<ThreadPolicy> SCOPED = new ThreadLocal<>();
    private static final ThreadLocal<Integer> APPLIED = new ThreadLocal<>();

    private EngineThreads() {}

    /**
     * Chooses the process's policy and the engine's start-up thread counts ({@code policy.maxThreads()} intra-op,
     * 1 inter-op). Call it first thing in {@code main}, before any array exists: the start-up counts take effect
     * only then. Installed again (an in-process command line run twice), the new policy rules from the next step.
     */
    public static void install(ThreadPolicy policy) {
        INSTALLED.set(policy);
        Backend.configureThreads(policy.maxThreads(), 1);
    }

    /** The policy from {@value #ENVIRONMENT} (or {@code auto} when unset) for a machine of {@code cores} cores. */
    public static ThreadPolicy fromEnvironment(int cores) {
        String value = System.getenv(ENVIRONMENT);
        return ThreadPolicy.parse(ENVIRONMENT, value == null || value.isBlank() ? "auto" : value, cores);
    }

    /** The process's policy: the installed one, else (first use) the environment's, installed then. */
    public static ThreadPolicy policy() {
        ThreadPolicy policy = INSTALLED.get();
        if (policy != null) {
            return policy;
        }
        INSTALLED.compareAndSet(null, fromEnvironment(Runtime.getRuntime().availableProcessors()));
        return INSTALLED.get();
    }

    /** Runs {@code work} on this thread with {@code policy} instead of the process's; restores it after. */
    public static <T> T using(ThreadPolicy policy, Supplier<T> work) {
        ThreadPolicy outer = SCOPED.get();
        SCOPED.set(policy);
        try {
            beforeStep();
            return work.get();
        } finally {
            if (outer == null) {
                SCOPED.remove();
            } else {
                SCOPED.set(outer);
            }
        }
    }

    /** Sets the calling thread's engine threads for the step it is about to run. */
    public static void beforeStep() {
        ThreadPolicy scoped = SCOPED.get();
        int threads = (scoped != null ? scoped : policy()).threadsForNextStep();
        Integer applied = APPLIED.get();
        if (applied == null || applied != threads) {
            Backend.setIntraOpThreads(threads);
            APPLIED.set(threads);
        }
    }

    /** The threads the calling thread's last step ran with (0 before its first step). */
    public static int appliedToThisThread() {
        Integer applied = APPLIED.get();
        return applied == null ? 0 : applied;
    }
}
