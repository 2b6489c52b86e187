package org.diffusion4j.cli;

import java.io.PrintStream;
import java.time.Duration;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress on standard error (none when {@code quiet}): a bar redrawn in place on a terminal; elsewhere (a log file,
 * a pipe, CI) one plain line every {@value #PLAIN_INTERVAL_MS} ms and a last one at the end, so a log does not fill
 * with thousands of redraws.
 */
final class Progress implements AutoCloseable {
    /** How often a plain line is written when the output is not a terminal. */
    static final long PLAIN_INTERVAL_MS = 10_000;

    private final ProgressBarBuilder builder;
    private ProgressBar bar;

    Progress(String task, long total, boolean quiet, PrintStream err) {
        this(task, total, quiet, err, err == System.err && System.console() != null);
    }

    /**
     * A bar on {@code err}, redrawn in place when {@code terminal}, else as periodic plain lines. It is drawn from the
     * first {@link #step} or {@link #skipTo}, so a resumed run's bar starts at its position and its time estimate
     * counts only the steps done since.
     */
    Progress(String task, long total, boolean quiet, PrintStream err, boolean terminal) {
        ProgressBarBuilder b = new ProgressBarBuilder().setTaskName(task).setInitialMax(total)
                .setStyle(ProgressBarStyle.ASCII).continuousUpdate();
        if (terminal) {
            b.setConsumer(new ConsoleProgressBarConsumer(err)).setUpdateIntervalMillis(200);
        } else {
            b.setConsumer(new DelegatingProgressBarConsumer(err::println))
                    .setUpdateIntervalMillis((int) PLAIN_INTERVAL_MS);
        }
        this.builder = quiet ? null : b;
    }

    void step(String message) {
        if (builder != null) {
            if (bar == null) {
                bar = builder.build();
            }
            bar.setExtraMessage(message);
            bar.step();
        }
    }

    /** Moves the bar to {@code position} (a resumed run): the start of the bar when it is not drawn yet. */
    void skipTo(long position) {
        if (builder != null) {
            if (bar == null) {
                bar = builder.startsFrom(position, Duration.ZERO).build();
            } else {
                bar.stepTo(position);
            }
        }
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
