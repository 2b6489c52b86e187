package org.diffusion4j.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.generate.GenerationRequest;
import org.diffusion4j.generate.Generator;
import org.diffusion4j.train.TrainedModel;
import org.junit.jupiter.api.Test;

/** Concurrent requests merged into one engine batch get exactly the samples each gets alone. */
class BatchingTest {

    private static float[] alone(Generator generator, long seed, int n, int[] classes, String sampler, int steps) {
        try (NDManager manager = Backend.newManager()) {
            return generator.generate(GenerationRequest.builder(GenerationRequest.consecutiveSeeds(seed, n))
                    .classes(classes).sampler(sampler).steps(steps).build(), manager).samples()
                    .toType(DataType.FLOAT32, false).toFloatArray();
        }
    }

    @Test
    void mergedRequestsAreBitIdenticalToSoloRuns() throws Exception {
        ServedModel mixture = TestModels.mixture();
        long[] seeds = {0, 100, 7, 3000, 55, 1_000_000_007L};
        int[] counts = {1, 4, 2, 3, 1, 5};
        String sampler = "dpmpp-2m-sde:eta=1";
        try (DiffusionServer server = DiffusionServer.start(List.of(mixture),
                ServeConfig.loopback(0).withBatching(true, Duration.ofMillis(1500)))) {
            Http http = new Http(server.port());
            ExecutorService clients = Executors.newFixedThreadPool(seeds.length + 1);
            try {
                List<Future<JsonNode>> answers = new ArrayList<>();
                for (int i = 0; i < seeds.length; i++) {
                    String body = "{\"sampler\": \"" + sampler + "\", \"steps\": 6, \"n\": " + counts[i]
                            + ", \"seed\": " + seeds[i] + ", \"format\": \"json\"}";
                    answers.add(clients.submit(() -> Http.json(http.post("/v1/generate", body))));
                }
                // other settings (steps) never join that batch
                Future<JsonNode> other = clients.submit(() -> Http.json(http.post("/v1/generate",
                        "{\"sampler\": \"" + sampler + "\", \"steps\": 5, \"n\": 2, \"format\": \"json\"}")));
                int total = java.util.Arrays.stream(counts).sum();
                for (int i = 0; i < seeds.length; i++) {
                    JsonNode answer = answers.get(i).get();
                    assertEquals(total, answer.get("batch_samples").asInt(), "request " + i + " was not merged");
                    assertArrayEquals(alone(mixture.generator(), seeds[i], counts[i], null, sampler, 6),
                            ServerApiTest.floats(answer), "request " + i + " (seed " + seeds[i] + ")");
                }
                JsonNode separate = other.get();
                assertEquals(2, separate.get("batch_samples").asInt());
                assertArrayEquals(alone(mixture.generator(), 0, 2, null, sampler, 5), ServerApiTest.floats(separate));
                assertEquals(2, server.metrics().batches());
                assertEquals((total + 2) / 2.0, server.metrics().meanBatchSamples(), 1e-12);
            } finally {
                clients.shutdownNow();
            }
        }
    }

    /**
     * On the bundled U-Net, the engine does not promise that batch size leaves the floats alone (its kernels may sum
     * in another order for another batch): the first samples alone against the same samples inside batches of 4, 16
     * and 64. Measured, not hidden: the difference is printed and must stay small.
     */
    @Test
    void unetBatchSizeChangesFloatsAtMostSlightly() {
        try (NDManager manager = Backend.newManager()) {
            Generator unet = TrainedModel.bundled("mnist-edm", manager).generator();
            float[] reference = alone(unet, 0, 1, new int[] {3}, "euler", 4);
            for (int size : new int[] {4, 16, 64}) {
                int[] classes = new int[size];
                for (int i = 0; i < size; i++) {
                    classes[i] = (i + 3) % 10;
                }
                float[] batch = alone(unet, 0, size, classes, "euler", 4);
                double max = 0;
                int differing = 0;
                for (int i = 0; i < reference.length; i++) {
                    double d = Math.abs(reference[i] - batch[i]);
                    max = Math.max(max, d);
                    differing += d > 0 ? 1 : 0;
                }
                System.out.printf("U-Net (euler, 4 steps): sample 0 alone vs in a batch of %d: max |Δ| = %.3g, "
                        + "%d of %d values differ%n", size, max, differing, reference.length);
                assertTrue(max < 1e-3, "batch size " + size + " changed the U-Net's sample by " + max);
            }
        }
    }
}
