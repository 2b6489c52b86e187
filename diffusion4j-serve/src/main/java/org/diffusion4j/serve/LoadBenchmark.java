package org.diffusion4j.serve;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.diffusion4j.InvalidArgumentException;

/**
 * Loopback load on a server: {@code clients} concurrent clients (the JDK's HttpClient), each sending its next request
 * as soon as the last is answered, until {@code requests} have been sent. Latency is measured per request, from send
 * to the last byte.
 */
public final class LoadBenchmark {
    private LoadBenchmark() {}

    /** One request of the load: a body for {@code POST /v1/generate}. */
    public record Shot(String body) {}

    /**
     * What a load run measured.
     *
     * @param requests requests sent
     * @param seconds wall time
     * @param p50Millis median latency
     * @param p99Millis 99th-percentile latency
     * @param statuses responses by HTTP status (0: no response: a connection error)
     * @param meanBatchSamples mean over the 200 responses of the engine batch each came from, in samples
     */
    public record Result(int requests, double seconds, double p50Millis, double p99Millis, Map<Integer, Integer> statuses,
            double meanBatchSamples) {
        public double requestsPerSecond() {
            return requests / seconds;
        }
    }

    /** An HTTP/1.1 client for {@link #run}; one client reused across runs keeps the client side's memory constant. */
    public static HttpClient client() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10))
                .build();
    }

    /** Sends {@code requests} requests, request i's body from {@code shots}, from {@code clients} clients. */
    public static Result run(int port, String token, int clients, int requests, IntFunction<Shot> shots) {
        return run(client(), port, token, clients, requests, shots);
    }

    /** {@link #run(int, String, int, int, IntFunction)} through {@code client}. */
    public static Result run(HttpClient client, int port, String token, int clients, int requests,
            IntFunction<Shot> shots) {
        if (clients < 1 || requests < 1) {
            throw new InvalidArgumentException("a load needs at least one client and one request, got " + clients
                    + " clients and " + requests + " requests");
        }
        URI uri = URI.create("http://127.0.0.1:" + port + "/v1/generate");
        long[] latencies = new long[requests];
        int[] statuses = new int[requests];
        int[] batches = new int[requests];
        AtomicInteger next = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        long started = System.nanoTime();
        try {
            Future<?>[] workers = new Future<?>[clients];
            for (int c = 0; c < clients; c++) {
                workers[c] = pool.submit(() -> {
                    for (int i = next.getAndIncrement(); i < requests; i = next.getAndIncrement()) {
                        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(5))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(shots.apply(i).body()));
                        if (token != null) {
                            request.header("Authorization", "Bearer " + token);
                        }
                        long t0 = System.nanoTime();
                        try {
                            HttpResponse<byte[]> response = client.send(request.build(),
                                    HttpResponse.BodyHandlers.ofByteArray());
                            statuses[i] = response.statusCode();
                            batches[i] = response.headers().firstValue("X-D4j-Batch-Samples").map(Integer::parseInt)
                                    .orElse(0);
                        } catch (IOException e) {
                            statuses[i] = 0;
                        }
                        latencies[i] = System.nanoTime() - t0;
                    }
                    return null;
                });
            }
            for (Future<?> worker : workers) {
                worker.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("load run interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("a load client failed: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        Map<Integer, Integer> counts = new TreeMap<>();
        for (int status : statuses) {
            counts.merge(status, 1, Integer::sum);
        }
        double batchSum = 0;
        int ok = 0;
        for (int i = 0; i < requests; i++) {
            if (statuses[i] == 200) {
                batchSum += batches[i];
                ok++;
            }
        }
        long[] sorted = latencies.clone();
        Arrays.sort(sorted);
        return new Result(requests, seconds, percentile(sorted, 0.50) / 1e6, percentile(sorted, 0.99) / 1e6, counts,
                ok == 0 ? 0 : batchSum / ok);
    }

    /** The nearest-rank percentile of sorted values. */
    static double percentile(long[] sorted, double q) {
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }
}
