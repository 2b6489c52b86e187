package org.diffusion4j.serve;

import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * A request in the server: its spec, where it stands, and its result. The engine thread writes the progress; any
 * thread may read it or cancel the job.
 */
public final class Job {

    /** Where a job stands. */
    public enum State { QUEUED, RUNNING, DONE, FAILED, CANCELLED }

    private final String id = UUID.randomUUID().toString();
    private final SampleSpec spec;
    private final long deadlineNanos;
    private final CompletableFuture<Samples> result = new CompletableFuture<>();
    private volatile State state = State.QUEUED;
    private volatile int step;
    private volatile int steps;
    private volatile String cancelReason;
    private volatile long graceNanos;
    private volatile long lastSeen = System.nanoTime();

    Job(SampleSpec spec, long deadlineNanos) {
        this.spec = spec;
        this.deadlineNanos = deadlineNanos;
    }

    public String id() {
        return id;
    }

    public SampleSpec spec() {
        return spec;
    }

    public State state() {
        return state;
    }

    /** Steps done so far (0 … steps). */
    public int step() {
        return step;
    }

    /** Total steps, once the engine knows them (0 before). */
    public int steps() {
        return steps;
    }

    /** Completes with the samples, or exceptionally with an {@link ApiException} saying why not. */
    public CompletableFuture<Samples> result() {
        return result;
    }

    boolean expired(long now) {
        return now - deadlineNanos > 0;
    }

    /**
     * Whether nobody wants the result any more: cancelled, past its deadline, or a polled job whose client stopped
     * polling for longer than its grace.
     */
    boolean abandoned() {
        long now = System.nanoTime();
        if (graceNanos > 0 && now - lastSeen > graceNanos && !result.isDone()) {
            cancel("nobody polled it for " + graceNanos / 1_000_000 + " ms (the client went away)");
        }
        return cancelReason != null || expired(now);
    }

    /** Makes this a polled job: one that nobody asks about for {@code nanos} counts as abandoned. */
    void watch(long nanos) {
        graceNanos = nanos;
        seen();
    }

    /** Notes that a client asked about this job. */
    void seen() {
        lastSeen = System.nanoTime();
    }

    /** Cancels the job: it leaves the queue, or its batch stops if no other request of the batch is alive. */
    public void cancel(String reason) {
        if (cancelReason == null) {
            cancelReason = reason;
        }
        if (result.completeExceptionally(new ApiException(410, null, "cancelled: " + reason))) {
            state = State.CANCELLED;
        }
    }

    void running() {
        if (!result.isDone()) {
            state = State.RUNNING;
        }
    }

    void progress(int done, int total) {
        step = done;
        steps = total;
    }

    void finish(Samples samples) {
        if (result.complete(samples)) {
            step = samples.steps();
            steps = samples.steps();
            state = State.DONE;
        }
    }

    void fail(ApiException error) {
        if (result.completeExceptionally(error)) {
            state = error.status() == 410 ? State.CANCELLED : State.FAILED;
        }
    }

    /** Fails the job as timed out. */
    void timeOut(java.time.Duration timeout) {
        fail(new ApiException(503, null, "the request did not finish within the server's timeout of "
                + timeout.toSeconds() + " s; ask for fewer samples or steps, or retry later"));
    }
}
