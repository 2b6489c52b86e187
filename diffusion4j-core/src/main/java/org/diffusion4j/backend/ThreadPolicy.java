package org.diffusion4j.backend;

import java.util.OptionalDouble;
import java.util.function.Supplier;
import org.diffusion4j.InvalidArgumentException;

/**
 * How many intra-op threads the engine runs the next step of a loop with. Applied by {@link EngineThreads} on the
 * thread that runs the step, at the start of every step ({@link StepScope#open}, the training loop).
 *
 * <p>Why a policy and not a number: with every core's worth of OpenMP threads the engine is fastest on an idle
 * machine, but when other processes keep the cores busy those threads wait on each other at every parallel region
 * (a preempted thread holds up the whole team) and a run becomes 2–6× slower than on one thread (docs/performance.md,
 * "Threads"). {@link LoadAware} follows the machine; {@link Fixed} is the user's explicit choice.
 */
public sealed interface ThreadPolicy permits ThreadPolicy.Fixed, ThreadPolicy.LoadAware {

    /** The threads for the step about to run. */
    int threadsForNextStep();

    /** The most threads this policy ever asks for: the engine's thread count at start-up. */
    int maxThreads();

    /** What it does, for a start-up line: "2 threads", "auto (1–2 threads, following the load)". */
    String describe();

    /**
     * {@code auto} (load-aware up to {@code cores}) or a positive thread count, as {@code --threads} and
     * {@code D4J_THREADS} spell it.
     */
    static ThreadPolicy parse(String text, int cores) {
        return parse("threads", text, cores);
    }

    /** As {@link #parse(String, int)}; errors name {@code source} (an option or environment variable). */
    static ThreadPolicy parse(String source, String text, int cores) {
        String value = text.strip();
        if (value.equals("auto")) {
            return LoadAware.upTo(cores);
        }
        int threads;
        try {
            threads = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new InvalidArgumentException(source + ": expected 'auto' or a positive whole number, got '" + text
                    + "'");
        }
        if (threads < 1) {
            throw new InvalidArgumentException(source + ": expected 'auto' or at least 1, got " + threads);
        }
        return new Fixed(threads);
    }

    /** Always {@code threads}. */
    record Fixed(int threads) implements ThreadPolicy {
        public Fixed {
            if (threads < 1) {
                throw new InvalidArgumentException("thread count must be at least 1, got " + threads);
            }
        }

        @Override
        public int threadsForNextStep() {
            return threads;
        }

        @Override
        public int maxThreads() {
            return threads;
        }

        @Override
        public String describe() {
            return threads + (threads == 1 ? " thread" : " threads");
        }
    }

    /**
     * As many threads as the cores other processes leave free, between 1 and {@code max}: every {@code
     * intervalNanos} at most, it reads how many cores other processes kept busy since its last reading ({@link
     * CpuLoad}) and asks for {@code round(cores − busy)} threads. A machine whose load it cannot read (no
     * {@code /proc}) gets {@code max}.
     */
    final class LoadAware implements ThreadPolicy {
        /** How often the load is read: often enough to follow a load that starts, seldom enough to average. */
        public static final long DEFAULT_INTERVAL_NANOS = 500_000_000L;

        private final int max;
        private final int cores;
        private final long intervalNanos;
        private final Supplier<OptionalDouble> othersBusyCores;
        private long lastReading;
        private int current;

        /** Load-aware up to {@code max} threads on this machine's cores, reading {@code /proc} when there is one. */
        public static ThreadPolicy upTo(int max) {
            return CpuLoad.available()
                    ? new LoadAware(max, Runtime.getRuntime().availableProcessors(), DEFAULT_INTERVAL_NANOS,
                            CpuLoad.ofProc()::othersBusyCores)
                    : new Fixed(max);
        }

        /** {@code othersBusyCores}: the cores other processes kept busy since its previous call, if known. */
        LoadAware(int max, int cores, long intervalNanos, Supplier<OptionalDouble> othersBusyCores) {
            if (max < 1) {
                throw new InvalidArgumentException("thread count must be at least 1, got " + max);
            }
            this.max = max;
            this.cores = cores;
            this.intervalNanos = intervalNanos;
            this.othersBusyCores = othersBusyCores;
            this.current = max;
            this.lastReading = System.nanoTime();
            othersBusyCores.get(); // the first reading starts the first interval
        }

        /** The threads for {@code othersBusy} cores kept busy elsewhere: the free cores, rounded, in [1, max]. */
        static int threadsFor(double othersBusy, int cores, int max) {
            long free = Math.round(cores - othersBusy);
            return (int) Math.max(1, Math.min(max, free));
        }

        @Override
        public synchronized int threadsForNextStep() {
            long now = System.nanoTime();
            if (now - lastReading >= intervalNanos) {
                OptionalDouble others = othersBusyCores.get();
                lastReading = now;
                if (others.isPresent()) {
                    current = threadsFor(others.getAsDouble(), cores, max);
                }
            }
            return current;
        }

        @Override
        public int maxThreads() {
            return max;
        }

        @Override
        public String describe() {
            return "auto (1–" + max + " threads, following the load)";
        }

        @Override
        public String toString() {
            return "LoadAware[max=" + max + ", cores=" + cores + "]";
        }
    }
}
