package org.diffusion4j.serve;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The server's meters, in a Micrometer registry scraped as Prometheus text at {@code /metrics}: requests and their
 * latency (a histogram) by route and status, the queue depth, batch sizes, model calls and NFE per second.
 */
public final class ServeMetrics {
    private static final Duration[] LATENCY_BUCKETS = java.util.stream.LongStream.of(1, 2, 5, 10, 25, 50, 100, 250,
            500, 1000, 2500, 5000, 10_000, 30_000, 60_000, 120_000).mapToObj(Duration::ofMillis)
            .toArray(Duration[]::new);

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final DistributionSummary batchSamples;
    private final DistributionSummary batchRequests;
    private final Counter sampleEvaluations;
    private final Counter cancelled;
    private final Counter rejected;
    private final AtomicLong lastRate = new AtomicLong();

    ServeMetrics(Supplier<Number> queueDepth) {
        Gauge.builder("d4j.queue.depth", queueDepth).description("Requests waiting for the engine")
                .register(registry);
        batchSamples = DistributionSummary.builder("d4j.batch.samples").description("Samples per engine batch")
                .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64, 128).register(registry);
        batchRequests = DistributionSummary.builder("d4j.batch.requests")
                .description("Requests merged into one engine batch").serviceLevelObjectives(1, 2, 4, 8, 16, 32)
                .register(registry);
        sampleEvaluations = Counter.builder("d4j.sample.evaluations")
                .description("Denoiser evaluations times samples (NFE summed over samples)").register(registry);
        cancelled = Counter.builder("d4j.requests.cancelled")
                .description("Requests cancelled (client gone, timeout, DELETE)").register(registry);
        rejected = Counter.builder("d4j.requests.rejected").description("Requests refused because the queue was full")
                .register(registry);
        Gauge.builder("d4j.nfe.per.second", lastRate, r -> Double.longBitsToDouble(r.get()))
                .description("Sample evaluations per second of the last engine batch").register(registry);
    }

    /** Records one HTTP request. */
    void request(String route, String method, int status, long nanos) {
        Timer.builder("d4j.http.requests").description("HTTP requests and their latency")
                .tags("route", route, "method", method, "status", Integer.toString(status))
                .serviceLevelObjectives(LATENCY_BUCKETS).register(registry).record(Duration.ofNanos(nanos));
    }

    /** Records one engine batch. */
    void batch(int requests, int samples, long evaluationsPerSample, long nanos) {
        batchRequests.record(requests);
        batchSamples.record(samples);
        double evaluations = (double) evaluationsPerSample * samples;
        sampleEvaluations.increment(evaluations);
        lastRate.set(Double.doubleToLongBits(evaluations / Math.max(nanos, 1) * 1e9));
    }

    void cancelled() {
        cancelled.increment();
    }

    void rejected() {
        rejected.increment();
    }

    /** The mean number of samples per engine batch so far (0 before the first). */
    public double meanBatchSamples() {
        return batchSamples.count() == 0 ? 0 : batchSamples.totalAmount() / batchSamples.count();
    }

    /** The samples run in engine batches so far. */
    public double batchSamplesTotal() {
        return batchSamples.totalAmount();
    }

    /** The number of engine batches so far. */
    public long batches() {
        return batchSamples.count();
    }

    /** The Prometheus text exposition. */
    public String scrape() {
        return registry.scrape();
    }
}
