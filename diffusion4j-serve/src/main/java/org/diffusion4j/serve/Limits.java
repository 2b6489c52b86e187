package org.diffusion4j.serve;

import java.time.Duration;
import org.diffusion4j.InvalidArgumentException;

/**
 * What one request and the whole server may ask of the engine.
 *
 * @param maxSamples the most samples ({@code n}) one request may ask for
 * @param maxSteps the most sampler steps, and the largest NFE budget, one request may ask for
 * @param maxBatch the most samples the engine runs in one merged batch (at least {@code maxSamples})
 * @param queueCapacity the most requests waiting for the engine; one more is answered 429
 * @param timeout how long a request may wait and run before it is cancelled and answered 503
 * @param maxBodyBytes the largest request body; a larger one is answered 413
 * @param keptJobs how many finished jobs of the job API keep their results (oldest dropped first)
 * @param pollGrace how long a job of the job API may go unpolled before it counts as abandoned and is cancelled
 */
public record Limits(int maxSamples, int maxSteps, int maxBatch, int queueCapacity, Duration timeout,
        int maxBodyBytes, int keptJobs, Duration pollGrace) {

    /** The defaults of {@code d4j serve}. */
    public static final Limits DEFAULT = new Limits(64, 200, 64, 64, Duration.ofSeconds(120), 16 * 1024, 64,
            Duration.ofSeconds(10));

    public Limits {
        positive("maxSamples", maxSamples);
        positive("maxSteps", maxSteps);
        positive("queueCapacity", queueCapacity);
        positive("maxBodyBytes", maxBodyBytes);
        positive("keptJobs", keptJobs);
        if (maxBatch < maxSamples) {
            throw new InvalidArgumentException("maxBatch (" + maxBatch + ") must be at least maxSamples ("
                    + maxSamples + ")");
        }
        if (pollGrace == null || pollGrace.isNegative() || pollGrace.isZero()) {
            throw new InvalidArgumentException("the poll grace must be positive, got " + pollGrace);
        }
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new InvalidArgumentException("the request timeout must be positive, got " + timeout);
        }
    }

    private static void positive(String name, int value) {
        if (value < 1) {
            throw new InvalidArgumentException(name + " must be at least 1, got " + value);
        }
    }

    public Limits withQueueCapacity(int value) {
        return new Limits(maxSamples, maxSteps, maxBatch, value, timeout, maxBodyBytes, keptJobs, pollGrace);
    }

    public Limits withTimeout(Duration value) {
        return new Limits(maxSamples, maxSteps, maxBatch, queueCapacity, value, maxBodyBytes, keptJobs, pollGrace);
    }
}
