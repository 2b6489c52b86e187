package org.diffusion4j.backend;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalDouble;
import java.util.function.Supplier;

/**
 * How busy the machine's cores are with work of <em>other</em> processes, read from Linux's {@code /proc/stat} (all
 * CPUs' busy and idle time) and {@code /proc/self/stat} (this process's own CPU time, every thread of it). Between
 * two readings, other processes kept {@code (Δbusy − Δown) / Δwall} cores busy, where Δwall is the elapsed time per
 * core. Not thread-safe: one reader per policy.
 */
public final class CpuLoad {
    /** One reading: cumulative clock ticks (USER_HZ) of all CPUs' busy time, their total time, this process's time. */
    record Ticks(long busy, long total, long own) {}

    private final Supplier<String> machine;
    private final Supplier<String> self;
    private final int cores;
    private Ticks last;

    /** A reader of {@code /proc}; {@link #available()} says whether this machine has one. */
    public static CpuLoad ofProc() {
        return new CpuLoad(() -> read(Path.of("/proc/stat")), () -> read(Path.of("/proc/self/stat")),
                Runtime.getRuntime().availableProcessors());
    }

    /** Whether {@code /proc/stat} and {@code /proc/self/stat} can be read here (Linux). */
    public static boolean available() {
        return Files.isReadable(Path.of("/proc/stat")) && Files.isReadable(Path.of("/proc/self/stat"));
    }

    CpuLoad(Supplier<String> machine, Supplier<String> self, int cores) {
        this.machine = machine;
        this.self = self;
        this.cores = cores;
    }

    /**
     * Cores kept busy by other processes since the previous call; empty on the first call (no interval yet) or when
     * no clock tick passed.
     */
    public OptionalDouble othersBusyCores() {
        Ticks now = ticks(machine.get(), self.get());
        Ticks before = last;
        last = now;
        if (before == null || now.total() <= before.total()) {
            return OptionalDouble.empty();
        }
        double wallPerCore = (double) (now.total() - before.total()) / cores;
        double others = (now.busy() - before.busy()) - (now.own() - before.own());
        return OptionalDouble.of(Math.max(0, others / wallPerCore));
    }

    /**
     * Parses the first line of {@code /proc/stat} ({@code cpu user nice system idle iowait irq softirq steal …}) and
     * fields 14–15 of {@code /proc/self/stat} (utime, stime; counted after the command name's closing parenthesis,
     * which may itself hold spaces).
     */
    static Ticks ticks(String procStat, String selfStat) {
        String first = procStat.lines().findFirst().orElse("");
        String[] f = first.trim().split("\\s+");
        if (f.length < 8 || !f[0].equals("cpu")) {
            throw new IllegalStateException("/proc/stat: expected a first line 'cpu user nice system idle iowait irq "
                    + "softirq …', got '" + first + "'");
        }
        long user = Long.parseLong(f[1]);
        long nice = Long.parseLong(f[2]);
        long system = Long.parseLong(f[3]);
        long idle = Long.parseLong(f[4]);
        long iowait = Long.parseLong(f[5]);
        long irq = Long.parseLong(f[6]);
        long softirq = Long.parseLong(f[7]);
        long steal = f.length > 8 ? Long.parseLong(f[8]) : 0;
        long busy = user + nice + system + irq + softirq + steal;
        int close = selfStat.lastIndexOf(')');
        String[] s = selfStat.substring(close + 2).trim().split("\\s+");
        // after ")": state(3) ppid(4) … utime(14) stime(15): index = field − 3
        if (close < 0 || s.length < 13) {
            throw new IllegalStateException("/proc/self/stat: expected 'pid (comm) state … utime stime …', got '"
                    + selfStat.strip() + "'");
        }
        long own = Long.parseLong(s[11]) + Long.parseLong(s[12]);
        return new Ticks(busy, busy + idle + iowait, own);
    }

    private static String read(Path path) {
        try {
            return Files.readString(path, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
    }
}
