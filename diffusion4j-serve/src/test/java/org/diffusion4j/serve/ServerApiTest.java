package org.diffusion4j.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import javax.imageio.ImageIO;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.generate.GenerationRequest;
import org.diffusion4j.io.ArrayFiles;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every endpoint and every error of the API, on a random loopback port. */
class ServerApiTest {

    private static DiffusionServer server;
    private static Http http;

    @BeforeAll
    static void start() {
        Limits limits = new Limits(8, 50, 16, 8, Duration.ofSeconds(30), 4096, 8, Duration.ofSeconds(10));
        server = DiffusionServer.start(List.of(TestModels.mixture(), TestModels.images()),
                ServeConfig.loopback(0).withLimits(limits));
        http = new Http(server.port());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static float[] floats(JsonNode body) {
        ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(body.get("data").asText()))
                .order(ByteOrder.LITTLE_ENDIAN);
        float[] values = new float[bytes.remaining() / 4];
        bytes.asFloatBuffer().get(values);
        return values;
    }

    static void assertError(HttpResponse<byte[]> response, int status, String field, String message) {
        assertEquals(status, response.statusCode(), new String(response.body(), StandardCharsets.UTF_8));
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        JsonNode body = Http.json(response);
        assertTrue(body.get("error").asText().contains(message), body.toString());
        if (field == null) {
            assertTrue(body.get("field").isNull(), body.toString());
        } else {
            assertEquals(field, body.get("field").asText(), body.toString());
        }
    }

    @Test
    void healthAndModels() {
        JsonNode health = Http.json(http.get("/v1/health"));
        assertEquals("ok", health.get("status").asText());
        assertEquals(2, health.get("models").asInt());

        HttpResponse<byte[]> response = http.get("/v1/models");
        assertEquals(200, response.statusCode());
        JsonNode models = Http.json(response).get("models");
        assertEquals(2, models.size());
        JsonNode mixture = models.get(0);
        assertEquals("gmm:eight-gaussians", mixture.get("name").asText());
        assertEquals("gaussian", mixture.get("kind").asText());
        assertEquals(0, mixture.get("classes").asInt());
        assertEquals("[2]", mixture.get("sample_shape").toString());
        assertEquals("heun", mixture.get("defaults").get("sampler").asText());
        assertEquals("json", mixture.get("defaults").get("format").asText());
        assertTrue(mixture.get("samplers").toString().contains("dpmpp-2m"));
        JsonNode images = models.get(1);
        assertEquals(10, images.get("classes").asInt());
        assertEquals("[1,8,8]", images.get("sample_shape").toString());
        assertEquals(8, Http.json(response).get("limits").get("max_n").asInt());
    }

    @Test
    void generateJsonGivesTheGeneratorsOwnSamples() {
        HttpResponse<byte[]> response = http.post("/v1/generate",
                "{\"model\": \"gmm:eight-gaussians\", \"sampler\": \"dpmpp-2m\", \"steps\": 8, \"n\": 5, \"seed\": 40,"
                        + " \"format\": \"json\"}");
        assertEquals(200, response.statusCode(), new String(response.body(), StandardCharsets.UTF_8));
        JsonNode body = Http.json(response);
        assertEquals("[5,2]", body.get("shape").toString());
        assertEquals(8, body.get("steps").asInt());
        assertEquals("dpmpp-2m", body.get("sampler").asText());
        float[] served = floats(body);
        try (NDManager manager = Backend.newManager()) {
            float[] direct = TestModels.mixture().generator().generate(GenerationRequest.builder(
                    GenerationRequest.consecutiveSeeds(40, 5)).sampler("dpmpp-2m").steps(8).build(), manager)
                    .samples().toType(DataType.FLOAT32, false).toFloatArray();
            assertArrayEquals(direct, served);
        }
    }

    @Test
    void generatePngIsAGridOfTheImages() throws IOException {
        HttpResponse<byte[]> response = http.post("/v1/generate",
                "{\"model\": \"test:images\", \"steps\": 3, \"n\": 3, \"class\": 7, \"guidance\": 2}");
        assertEquals(200, response.statusCode(), new String(response.body(), StandardCharsets.UTF_8));
        assertEquals("image/png", response.headers().firstValue("Content-Type").orElseThrow());
        assertEquals("3", response.headers().firstValue("X-D4j-Steps").orElseThrow());
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(response.body()));
        int cell = 8 * 2 + 2;
        assertEquals(3 * cell + 2, image.getWidth());
        assertEquals(cell + 2, image.getHeight());
    }

    @Test
    void generateNpyReadsBackAsTheSameArray(@TempDir Path dir) throws IOException {
        String request = "{\"model\": \"test:images\", \"steps\": 2, \"n\": 2, \"seed\": 9, \"format\": \"%s\"}";
        HttpResponse<byte[]> npy = http.post("/v1/generate", String.format(request, "npy"));
        assertEquals(200, npy.statusCode());
        Path file = dir.resolve("samples.npy");
        Files.write(file, npy.body());
        float[] json = floats(Http.json(http.post("/v1/generate", String.format(request, "json"))));
        try (NDManager manager = Backend.newManager()) {
            var array = ArrayFiles.read(file, manager);
            assertEquals(new ai.djl.ndarray.types.Shape(2, 1, 8, 8), array.getShape());
            assertArrayEquals(json, array.toFloatArray());
        }
    }

    @Test
    void badRequestsGetSpecificErrors() {
        assertError(http.post("/v1/generate", "{\"model\": \"gmm:nine\"}"), 404, "model", "unknown model 'gmm:nine'");
        assertError(http.post("/v1/generate", "{\"model\": \"test:images\", \"sampler\": \"warp\"}"), 400, "sampler",
                "unknown sampler 'warp'");
        assertError(http.post("/v1/generate", "{\"model\": \"test:images\", \"n\": 9}"), 400, "n",
                "n must be between 1 and 8, got 9");
        assertError(http.post("/v1/generate", "{\"model\": \"test:images\", \"steps\": 51}"), 400, "steps",
                "steps must be between 1 and 50, got 51");
        assertError(http.post("/v1/generate", "{\"model\": \"test:images\", \"nfe\": 0}"), 400, "nfe",
                "nfe must be between 1 and 50, got 0");
        assertError(http.post("/v1/generate", "{\"model\": \"test:images\", \"steps\": 5, \"nfe\": 5}"), 400, "nfe",
                "steps or nfe, not both");
        assertError(http.post("/v1/generate", "{\"model\": \"test:images\", \"n\": 2.5}"), 400, "n",
                "n must be an integer");
        assertError(http.post("/v1/generate", "{\"model\": \"test:images\", \"class\": 10}"), 400, "class",
                "class must be between 0 and 9, got 10");
        assertError(http.post("/v1/generate", "{\"model\": \"gmm:eight-gaussians\", \"class\": 1}"), 400, "class",
                "unconditional");
        assertError(http.post("/v1/generate", "{\"model\": \"gmm:eight-gaussians\", \"guidance\": 3}"), 400,
                "guidance", "unconditional");
        assertError(http.post("/v1/generate", "{\"model\": \"gmm:eight-gaussians\", \"format\": \"png\"}"), 400,
                "format", "not images");
        assertError(http.post("/v1/generate", "{\"model\": \"test:images\", \"format\": \"gif\"}"), 400, "format",
                "unknown format 'gif'");
        assertError(http.post("/v1/generate", "{\"model\": \"test:images\", \"colour\": 1}"), 400, "colour",
                "unknown field 'colour'");
        assertError(http.post("/v1/generate", "{\"model\": \"test:images\", \"n\": "), 400, null, "malformed JSON");
        assertError(http.post("/v1/generate", "[1, 2]"), 400, null, "must be a JSON object");
        assertError(http.post("/v1/generate", "{}"), 400, "model", "several models");
        assertError(http.post("/v1/generate", "{\"model\": \"test:images\", \"sampler\": \"heun:s_churn=-1\"}"),
                400, null, "churn needs S_churn");
        assertError(http.post("/v1/generate", "{\"pad\": \"" + "x".repeat(5000) + "\"}"), 413, null,
                "larger than 4096 bytes");
        assertError(http.get("/v1/nothing"), 404, null, "");
    }

    @Test
    void jobsReportProgressAndKeepTheirResult() throws InterruptedException {
        HttpResponse<byte[]> submitted = http.post("/v1/jobs", "{\"model\": \"test:images\", \"steps\": 4, \"n\": 2}");
        assertEquals(202, submitted.statusCode());
        String id = Http.json(submitted).get("id").asText();
        JsonNode state = Http.json(http.get("/v1/jobs/" + id));
        for (int i = 0; i < 200 && !state.get("state").asText().equals("done"); i++) {
            Thread.sleep(20);
            state = Http.json(http.get("/v1/jobs/" + id));
        }
        assertEquals("done", state.get("state").asText());
        assertEquals(4, state.get("step").asInt());
        assertEquals(4, state.get("steps").asInt());
        HttpResponse<byte[]> png = http.get("/v1/jobs/" + id + "/result");
        assertEquals("image/png", png.headers().firstValue("Content-Type").orElseThrow());
        JsonNode json = Http.json(http.get("/v1/jobs/" + id + "/result?format=json"));
        assertEquals("[2,1,8,8]", json.get("shape").toString());
        assertError(http.get("/v1/jobs/" + id + "/result?format=bmp"), 400, "format", "unknown format 'bmp'");
        assertError(http.get("/v1/jobs/nope"), 404, "id", "unknown job 'nope'");
        assertError(http.delete("/v1/jobs/nope"), 404, "id", "unknown job 'nope'");
    }

    @Test
    void metricsArePrometheusText() {
        http.post("/v1/generate", "{\"model\": \"gmm:eight-gaussians\", \"steps\": 2, \"n\": 3}");
        HttpResponse<byte[]> response = http.get("/metrics");
        assertEquals(200, response.statusCode());
        String text = new String(response.body(), StandardCharsets.UTF_8);
        for (String metric : List.of("d4j_http_requests_seconds_bucket{", "route=\"/v1/generate\"",
                "d4j_queue_depth ", "d4j_batch_samples_count ", "d4j_batch_requests_count ",
                "d4j_sample_evaluations_total ", "d4j_nfe_per_second ", "d4j_requests_rejected_total ")) {
            assertTrue(text.contains(metric), metric + " missing from\n" + text);
        }
    }

    @Test
    void tokenIsRequiredWhenSet() {
        try (DiffusionServer secured = DiffusionServer.start(List.of(TestModels.mixture()),
                ServeConfig.loopback(0).withToken("s3cret"))) {
            Http anonymous = new Http(secured.port());
            assertError(anonymous.get("/v1/models"), 401, "Authorization", "needs a bearer token");
            assertError(anonymous.post("/v1/generate", "{}"), 401, "Authorization", "needs a bearer token");
            assertError(anonymous.get("/metrics"), 401, "Authorization", "needs a bearer token");
            assertError(new Http(secured.port(), "guess").get("/v1/models"), 401, "Authorization",
                    "wrong bearer token");
            assertEquals(200, anonymous.get("/v1/health").statusCode());
            assertEquals(200, anonymous.get("/").statusCode());
            Http authorized = new Http(secured.port(), "s3cret");
            assertEquals(200, authorized.get("/v1/models").statusCode());
            assertEquals(200, authorized.post("/v1/generate", "{\"steps\": 2}").statusCode());
        }
    }

    @Test
    void nonLoopbackBindNeedsAToken() {
        var e = assertThrows(InvalidArgumentException.class, () -> new ServeConfig("0.0.0.0", 0, null,
                Limits.DEFAULT, true, Duration.ZERO));
        assertTrue(e.getMessage().contains("needs a bearer token"), e.getMessage());
        new ServeConfig("0.0.0.0", 0, "token", Limits.DEFAULT, true, Duration.ZERO);
        new ServeConfig("localhost", 0, null, Limits.DEFAULT, true, Duration.ZERO);
    }

    @Test
    void pageIsServed() {
        HttpResponse<byte[]> page = http.get("/");
        assertEquals(200, page.statusCode());
        String html = new String(page.body(), StandardCharsets.UTF_8);
        assertTrue(html.contains("<select id=\"model\">") && html.contains("/v1/jobs"), html);
    }

    /**
     * A result asked for early answers 409; a full queue 429; a cancelled job 410; a slow request past the timeout
     * 503.
     */
    @Test
    void backPressureCancellationAndTimeout() throws Exception {
        Limits limits = new Limits(4, 50, 4, 1, Duration.ofMillis(1500), 4096, 8, Duration.ofSeconds(10));
        try (DiffusionServer slow = DiffusionServer.start(List.of(TestModels.slow(100)),
                ServeConfig.loopback(0).withLimits(limits).withBatching(false, Duration.ZERO))) {
            Http client = new Http(slow.port());
            String running = Http.json(client.post("/v1/jobs", "{\"steps\": 5}")).get("id").asText();
            waitFor(client, running, "running");
            HttpResponse<byte[]> queued = client.post("/v1/jobs", "{\"steps\": 5}");
            assertEquals(202, queued.statusCode());
            String id = Http.json(queued).get("id").asText();
            assertError(client.get("/v1/jobs/" + id + "/result"), 409, "id", "is queued; poll /v1/jobs/");
            assertError(client.get("/v1/jobs/" + running + "/result"), 409, "id", "is running");
            assertError(client.post("/v1/jobs", "{\"steps\": 5}"), 429, null, "queue is full");
            assertError(client.post("/v1/generate", "{\"steps\": 5}"), 429, null, "queue is full");
            assertEquals("cancelled", Http.json(client.delete("/v1/jobs/" + id)).get("state").asText());
            assertError(client.get("/v1/jobs/" + id + "/result"), 410, null, "cancelled by DELETE");
            waitFor(client, running, "done");

            long started = System.nanoTime();
            assertError(client.post("/v1/generate", "{\"steps\": 40}"), 503, null, "timeout of 1 s");
            assertTrue(System.nanoTime() - started < 3e9, "the timeout took too long");
            assertTrue(client.get("/metrics").statusCode() == 200);
        }
    }

    /** A job whose client stops polling is cancelled, and the engine stops its batch. */
    @Test
    void clientGoingAwayCancelsItsJob() throws Exception {
        Limits limits = Limits.DEFAULT.withTimeout(Duration.ofSeconds(60));
        limits = new Limits(limits.maxSamples(), limits.maxSteps(), limits.maxBatch(), limits.queueCapacity(),
                limits.timeout(), limits.maxBodyBytes(), limits.keptJobs(), Duration.ofMillis(300));
        try (DiffusionServer slow = DiffusionServer.start(List.of(TestModels.slow(100)),
                ServeConfig.loopback(0).withLimits(limits).withBatching(false, Duration.ZERO))) {
            Http client = new Http(slow.port());
            String id = Http.json(client.post("/v1/jobs", "{\"steps\": 100}")).get("id").asText();
            waitFor(client, id, "running");
            Thread.sleep(600);
            long started = System.nanoTime();
            HttpResponse<byte[]> next = client.post("/v1/generate", "{\"steps\": 2}");
            double seconds = (System.nanoTime() - started) / 1e9;
            assertEquals(200, next.statusCode());
            // the abandoned 100-step run (20 s) must not have run on: the next request waited well under that
            assertTrue(seconds < 3, "the next request waited " + seconds + " s behind an abandoned one");
            JsonNode state = Http.json(client.get("/v1/jobs/" + id));
            assertEquals("cancelled", state.get("state").asText());
            assertTrue(state.get("error").asText().contains("nobody polled it"), state.toString());
            assertTrue(state.get("step").asInt() < 20, state.toString());
            String metrics = new String(client.get("/metrics").body(), StandardCharsets.UTF_8);
            assertTrue(metrics.contains("d4j_requests_cancelled_total 1.0"), metrics);
        }
    }

    private static void waitFor(Http client, String id, String state) throws InterruptedException {
        for (int i = 0; i < 500; i++) {
            if (Http.json(client.get("/v1/jobs/" + id)).get("state").asText().equals(state)) {
                return;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("job " + id + " never reached " + state);
    }

}
