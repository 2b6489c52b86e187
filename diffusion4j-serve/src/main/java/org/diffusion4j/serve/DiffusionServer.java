package org.diffusion4j.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.generate.Generator;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;

/**
 * The HTTP service: a versioned JSON API over served models ({@code /v1/…}), Prometheus metrics ({@code /metrics})
 * and a web page ({@code /}), on Javalin (Jetty). Generation goes through one {@link Batcher}.
 *
 * <pre>
 * GET    /v1/health               liveness, queue depth (no token needed)
 * GET    /v1/models               the models: kind, samplers, defaults, classes, sample shape
 * POST   /v1/generate             generate and answer with the samples (png, npy or json)
 * POST   /v1/jobs                 queue a generation; 202 with its id
 * GET    /v1/jobs/{id}            its state and progress (step of steps)
 * GET    /v1/jobs/{id}/result     its samples once done (?format= to override)
 * DELETE /v1/jobs/{id}            cancel it
 * GET    /metrics                 Prometheus text
 * </pre>
 */
public final class DiffusionServer implements AutoCloseable {

    private static final String JSON = "application/json";
    private static final long POLL_MILLIS = 50;

    private final Map<String, ServedModel> models;
    private final ServeConfig config;
    private final ObjectMapper json = new ObjectMapper();
    private final ServeMetrics metrics;
    private final Batcher batcher;
    private final JobStore jobs;
    private final byte[] page;
    private final Javalin app;

    private DiffusionServer(List<ServedModel> served, ServeConfig config) {
        if (served.isEmpty()) {
            throw new InvalidArgumentException("a server needs at least one model");
        }
        Map<String, ServedModel> byName = new LinkedHashMap<>();
        for (ServedModel model : served) {
            if (byName.put(model.name(), model) != null) {
                throw new InvalidArgumentException("model '" + model.name() + "' is given twice");
            }
        }
        this.models = Collections.unmodifiableMap(byName);
        this.config = config;
        Batcher[] holder = new Batcher[1];
        this.metrics = new ServeMetrics(() -> holder[0] == null ? 0 : holder[0].depth());
        this.batcher = new Batcher(config.limits(), config.batching(), config.linger(), metrics);
        holder[0] = batcher;
        this.jobs = new JobStore(config.limits().keptJobs());
        this.page = resource("index.html");
        this.app = Javalin.create(c -> {
            c.startup.showJavalinBanner = false;
            c.startup.showOldJavalinVersionWarning = false;
            c.http.maxRequestSize = config.limits().maxBodyBytes();
            c.routes.before(this::before);
            c.routes.after(this::after);
            c.routes.get("/", ctx -> ctx.contentType("text/html; charset=utf-8").result(page));
            c.routes.get("/v1/health", this::health);
            c.routes.get("/v1/models", this::models);
            c.routes.post("/v1/generate", this::generate);
            c.routes.post("/v1/jobs", this::submitJob);
            c.routes.get("/v1/jobs/{id}", this::jobStatus);
            c.routes.get("/v1/jobs/{id}/result", this::jobResult);
            c.routes.delete("/v1/jobs/{id}", this::cancelJob);
            c.routes.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                    .result(metrics.scrape()));
            c.routes.exception(ApiException.class, (e, ctx) -> error(ctx, e.status(), e.getMessage(), e.field()));
            c.routes.exception(HttpResponseException.class, (e, ctx) -> error(ctx, e.getStatus(),
                    e.getStatus() == 413 ? "the request body is larger than " + config.limits().maxBodyBytes()
                            + " bytes" : e.getMessage(), null));
            c.routes.exception(Exception.class, (e, ctx) -> error(ctx, 500, "internal error: " + e, null));
        });
    }

    /** Starts a server for {@code served} models; {@link #port()} says where it listens. */
    public static DiffusionServer start(List<ServedModel> served, ServeConfig config) {
        DiffusionServer server = new DiffusionServer(served, config);
        try {
            server.app.start(config.bind(), config.port());
        } catch (RuntimeException e) {
            server.batcher.close();
            throw new InvalidArgumentException("cannot listen on " + config.bind() + ":" + config.port() + ": "
                    + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()));
        }
        return server;
    }

    /** The port the server listens on. */
    public int port() {
        return app.port();
    }

    /** The server's meters. */
    public ServeMetrics metrics() {
        return metrics;
    }

    @Override
    public void close() {
        app.stop();
        batcher.close();
    }

    private void before(Context ctx) {
        ctx.attribute("d4j.started", System.nanoTime());
        String path = ctx.path();
        boolean open = path.equals("/") || path.equals("/v1/health");
        if (config.token() != null && !open) {
            String header = ctx.header("Authorization");
            byte[] expected = ("Bearer " + config.token()).getBytes(StandardCharsets.UTF_8);
            if (header == null || !MessageDigest.isEqual(expected, header.getBytes(StandardCharsets.UTF_8))) {
                ctx.header("WWW-Authenticate", "Bearer");
                throw new ApiException(401, "Authorization", header == null
                        ? "this server needs a bearer token: send 'Authorization: Bearer TOKEN'"
                        : "wrong bearer token");
            }
        }
    }

    private void after(Context ctx) {
        Long started = ctx.attribute("d4j.started");
        if (started == null) {
            return;
        }
        String route;
        try {
            route = ctx.endpoints().matchedHttpEndpoint().path;
        } catch (RuntimeException e) {
            route = "unmatched";
        }
        metrics.request(route == null ? "unmatched" : route, ctx.method().name(), ctx.status().getCode(),
                System.nanoTime() - started);
    }

    private void health(Context ctx) {
        ObjectNode body = json.createObjectNode();
        body.put("status", "ok");
        body.put("models", models.size());
        body.put("queue", batcher.depth());
        send(ctx, 200, body);
    }

    private void models(Context ctx) {
        ArrayNode list = json.createArrayNode();
        for (ServedModel model : models.values()) {
            Generator g = model.generator();
            ObjectNode m = list.addObject();
            m.put("name", model.name());
            m.put("source", model.source());
            m.put("kind", g.kind());
            m.put("classes", g.classes());
            ArrayNode shape = m.putArray("sample_shape");
            for (long d : g.sampleShape().getShape()) {
                shape.add(d);
            }
            m.put("images", model.images());
            ArrayNode samplers = m.putArray("samplers");
            g.samplers().forEach(samplers::add);
            ObjectNode defaults = m.putObject("defaults");
            defaults.put("sampler", g.defaultSampler());
            defaults.put("steps", SampleSpec.DEFAULT_STEPS);
            defaults.put("n", SampleSpec.DEFAULT_N);
            defaults.put("seed", 0);
            defaults.put("guidance", 1.0);
            defaults.put("format", model.images() ? "png" : "json");
        }
        ObjectNode body = json.createObjectNode();
        body.set("models", list);
        ObjectNode limits = body.putObject("limits");
        limits.put("max_n", config.limits().maxSamples());
        limits.put("max_steps", config.limits().maxSteps());
        limits.put("max_nfe", config.limits().maxSteps());
        limits.put("queue_capacity", config.limits().queueCapacity());
        limits.put("timeout_seconds", config.limits().timeout().toSeconds());
        limits.put("max_body_bytes", config.limits().maxBodyBytes());
        SampleSpec.FORMATS.forEach(body.putArray("formats")::add);
        send(ctx, 200, body);
    }

    private SampleSpec spec(Context ctx) {
        return SampleSpec.parse(ctx.bodyAsBytes(), models, config.limits(), json);
    }

    private void generate(Context ctx) throws InterruptedException {
        SampleSpec spec = spec(ctx);
        Job job = batcher.submit(spec);
        while (true) {
            try {
                Samples samples = job.result().get(POLL_MILLIS, TimeUnit.MILLISECONDS);
                sendSamples(ctx, samples, spec.format(), spec);
                return;
            } catch (TimeoutException e) {
                if (clientGone(ctx)) {
                    job.cancel("the client went away");
                    return;
                }
                if (job.expired(System.nanoTime())) {
                    job.timeOut(config.limits().timeout());
                }
            } catch (ExecutionException e) {
                throw cause(e);
            } catch (InterruptedException e) {
                job.cancel("the server is stopping");
                throw e;
            }
        }
    }

    private void submitJob(Context ctx) {
        Job job = batcher.submit(spec(ctx));
        job.watch(config.limits().pollGrace().toNanos());
        jobs.put(job);
        send(ctx, 202, status(job));
    }

    private void jobStatus(Context ctx) {
        Job job = jobs.get(ctx.pathParam("id"));
        job.seen();
        send(ctx, 200, status(job));
    }

    private void jobResult(Context ctx) {
        Job job = jobs.get(ctx.pathParam("id"));
        job.seen();
        if (!job.result().isDone()) {
            String progress = job.steps() == 0 ? "" : " (step " + job.step() + " of " + job.steps() + ")";
            throw new ApiException(409, "id", "job " + job.id() + " is " + job.state().name().toLowerCase()
                    + progress + "; poll /v1/jobs/" + job.id());
        }
        String format = ctx.queryParam("format") == null ? job.spec().format() : ctx.queryParam("format");
        if (!SampleSpec.FORMATS.contains(format)) {
            throw ApiException.badRequest("format", "unknown format '" + format + "'; expected one of "
                    + String.join(", ", SampleSpec.FORMATS));
        }
        if (format.equals("png") && !job.spec().model().images()) {
            throw ApiException.badRequest("format", job.spec().model().name() + " does not make images; ask for "
                    + "npy or json");
        }
        try {
            sendSamples(ctx, job.result().get(), format, job.spec());
        } catch (ExecutionException e) {
            throw cause(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(503, null, "interrupted");
        }
    }

    private void cancelJob(Context ctx) {
        Job job = jobs.get(ctx.pathParam("id"));
        job.cancel("cancelled by DELETE");
        send(ctx, 200, status(job));
    }

    private ObjectNode status(Job job) {
        ObjectNode body = json.createObjectNode();
        body.put("id", job.id());
        body.put("state", job.state().name().toLowerCase());
        body.put("step", job.step());
        body.put("steps", job.steps());
        body.put("n", job.spec().n());
        body.put("result", "/v1/jobs/" + job.id() + "/result");
        if (job.result().isCompletedExceptionally()) {
            try {
                job.result().getNow(null);
            } catch (java.util.concurrent.CompletionException e) {
                ApiException error = cause(e);
                body.put("error", error.getMessage());
                body.put("status", error.status());
            }
        }
        return body;
    }

    private static ApiException cause(Exception e) {
        return e.getCause() instanceof ApiException api ? api
                : new ApiException(500, null, "generation failed: " + e.getCause());
    }

    private void sendSamples(Context ctx, Samples samples, String format, SampleSpec spec) {
        Outputs.Body body = Outputs.encode(samples, format, spec, json);
        ctx.status(200).contentType(body.contentType())
                .header("X-D4j-Sampler", samples.sampler())
                .header("X-D4j-Steps", Integer.toString(samples.steps()))
                .header("X-D4j-NFE", Long.toString(samples.evaluations()))
                .header("X-D4j-Batch-Samples", Integer.toString(samples.batchSamples()))
                .result(body.bytes());
    }

    private void send(Context ctx, int status, Object body) {
        try {
            ctx.status(status).contentType(JSON).result(json.writeValueAsBytes(body));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void error(Context ctx, int status, String message, String field) {
        ObjectNode body = json.createObjectNode();
        body.put("error", message);
        if (field == null) {
            body.putNull("field");
        } else {
            body.put("field", field);
        }
        send(ctx, status, body);
    }

    /** Whether the client closed its connection while its request waited. */
    private static boolean clientGone(Context ctx) {
        try {
            ServletContextRequest request = ServletContextRequest.getServletContextRequest(ctx.req());
            if (request == null) {
                return false;
            }
            var endPoint = request.getConnectionMetaData().getConnection().getEndPoint();
            return !endPoint.isOpen() || endPoint.isInputShutdown();
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static byte[] resource(String name) {
        try (InputStream in = DiffusionServer.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
