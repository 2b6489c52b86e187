package org.diffusion4j.cli;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.eval.PhaseBenchmark;
import org.diffusion4j.eval.SamplerBenchmark;
import org.diffusion4j.io.AtomicFiles;
import org.diffusion4j.io.OutputPaths;
import org.diffusion4j.phase.Psld;
import org.diffusion4j.process.Schedules;
import org.diffusion4j.train.ModelSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code d4j bench samplers}: every sampler against the exact answers of a Gaussian mixture. */
@Command(name = "samplers", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measure samplers against the exact answers of a Gaussian mixture.",
            "For each sampler and NFE budget: flow_rmse, the RMS distance at σ_min to the exact probability-flow "
                    + "solution from the same start (float64 Dormand–Prince, every element within --tolerance); "
                    + "nll, the mean negative log-likelihood of the samples under the true mixture; swd, the sliced "
                    + "Wasserstein distance to as many exact draws. Then the convergence order of each deterministic "
                    + "sampler, fitted to flow_rmse over the last --fit-points budgets, beside the order theory gives."})
final class BenchSamplersCommand implements Callable<Integer> {
    /** Every registered sampler, plus the variants whose orders are worth seeing side by side. */
    static final String DEFAULT_SAMPLERS = "euler,heun,dpm2,lms,dpmpp-2m,dpmpp-2m-sde:eta=0,"
            + "dpmpp-2m-sde:eta=0,solver=heun,dpmpp-3m-sde:eta=0,dpmpp-3m-sde:eta=0,corrected=true,ddim,accel-ddim,"
            + "accel-ddim:form=theory,unipc,unipc:order=3,euler-ancestral,dpm2-ancestral,dpmpp-2s-ancestral,"
            + "dpmpp-sde,dpmpp-2m-sde,dpmpp-3m-sde,ddpm,ddpm:variance=large,accel-ddpm,"
            + "heun:s_churn=40,s_tmin=0.05,s_tmax=50,s_noise=1.003";

    @Option(names = "--model", paramLabel = "MODEL", defaultValue = "gmm:eight-gaussians",
            description = "gmm:FILE.json or gmm:NAME (default: ${DEFAULT-VALUE}, bundled).")
    String model;

    @Option(names = "--process", paramLabel = "NAME", defaultValue = "edm",
            description = {"Process the exact denoiser is seen through (default: ${DEFAULT-VALUE}).",
                "psld: the phase-space process (Γ = 0.02, β = 8, critically damped) with every PSLD integrator "
                        + "instead of --samplers; λ and λ_s searched."})
    String process;

    @Option(names = "--samplers", paramLabel = "SPEC;…", defaultValue = DEFAULT_SAMPLERS,
            description = "Sampler specs separated by ';' or by ',' between names (a spec's own options use "
                    + "',' after ':'), e.g. euler,heun,dpmpp-2m or 'heun;dpmpp-2m-sde:eta=0,solver=heun'. "
                    + "Default: all samplers and notable variants.")
    String samplers;

    @Option(names = "--nfe", paramLabel = "N,…", split = ",", defaultValue = "5,10,20,40,80,160,320",
            description = "NFE budgets (default: ${DEFAULT-VALUE}); two-call samplers get ⌈N/2⌉ steps.")
    List<Integer> nfe;

    @Mixin
    GridOptions grid;

    @Option(names = "--samples", paramLabel = "N", defaultValue = "2048",
            description = "Samples per run (default: ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "Seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--dtype", paramLabel = "TYPE", defaultValue = "float64",
            description = "float64 (to measure orders) or float32 (default: ${DEFAULT-VALUE}).")
    String dtype;

    @Option(names = "--tolerance", paramLabel = "TOL", defaultValue = "1e-10",
            description = "Tolerance of the exact flow, at most 1e-10 (default: ${DEFAULT-VALUE}).")
    double tolerance;

    @Option(names = "--fit-points", paramLabel = "K", defaultValue = "3",
            description = "Fit the order over the last K budgets (default: ${DEFAULT-VALUE}).")
    int fitPoints;

    @Option(names = "--projections", paramLabel = "L", defaultValue = "128",
            description = "Directions of the sliced Wasserstein distance (default: ${DEFAULT-VALUE}).")
    int projections;

    @Option(names = "--json", paramLabel = "FILE", description = "Write all results as JSON.")
    Path json;

    @Option(names = "--chart", paramLabel = "FILE", description = "Write a log-log chart of flow_rmse against NFE.")
    Path chart;

    @Option(names = "--quiet", description = "No progress bar.")
    boolean quiet;

    @Override
    public Integer call() throws IOException {
        if (json != null) {
            OutputPaths.requireWritableFile(json, "--json");
        }
        if (chart != null) {
            OutputPaths.requireWritableFile(chart, "--chart");
        }
        if (process.equals("psld")) {
            return phaseSpace();
        }
        List<String> specs = SamplerSpecs.split(samplers);
        SamplerBenchmark.Config config = SamplerBenchmark.Config.builder(ModelSource.mixture(model), specs, nfe)
                .schedule(Schedules.byName(process)).grid(grid.specOrDefault()).samples(samples).seed(seed)
                .type(DataTypes.parse(dtype)).referenceTolerance(tolerance).fitPoints(fitPoints)
                .projections(projections).build();
        SamplerBenchmark.Report report;
        long started = System.nanoTime();
        try (NDManager manager = Backend.newManager();
                Progress progress = new Progress("bench", (long) specs.size() * config.nfe().size(), quiet,
                        System.err)) {
            report = SamplerBenchmark.run(config, manager, row -> progress.step(row.sampler() + " @ " + row.nfe()));
        }
        print(report, config, System.out);
        System.out.printf(Locale.ROOT, "%nStochastic samplers do not follow the flow, so they have no flow_rmse "
                + "order; judge them by swd and nll.%n%d runs in %.1f s%n", report.results().size(),
                (System.nanoTime() - started) / 1e9);
        if (json != null) {
            writeJson(report, config);
            System.out.println("wrote " + json);
        }
        if (chart != null) {
            writeChart(report);
            System.out.println("wrote " + chart);
        }
        return 0;
    }

    /** The PSLD integrators' table: flow error of the deterministic ones and distance to the data of all. */
    private int phaseSpace() throws IOException {
        PhaseBenchmark bench = new PhaseBenchmark(ModelSource.mixture(model), Psld.criticallyDamped(0.02, 8), nfe,
                samples, 1e-3, seed);
        long started = System.nanoTime();
        PhaseBenchmark.Report report;
        try (NDManager manager = Backend.newManager();
                Progress progress = new Progress("bench", (long) nfe.size() * 13, quiet, System.err)) {
            report = bench.run(manager, row -> progress.step(row.integrator() + " @ " + row.nfe()));
        }
        Map<String, List<PhaseBenchmark.Row>> byIntegrator = new LinkedHashMap<>();
        report.rows().forEach(r -> byIntegrator.computeIfAbsent(r.integrator(), k -> new ArrayList<>()).add(r));
        StringBuilder text = new StringBuilder(String.format(Locale.ROOT, "model %s, process psld (Γ 0.02, ν 4.02, "
                + "M⁻¹ 4, β 8), t from 1 to 1e-3 on the quadratic grid, %d samples; x only%n", model, samples));
        for (boolean flow : new boolean[] {true, false}) {
            text.append(flow ? "\nerror to the exact probability flow (RMS), deterministic integrators\n"
                    : String.format(Locale.ROOT, "%nsliced Wasserstein distance to the data (two exact sets: %.4f)%n",
                            report.swdFloor()));
            StringBuilder header = new StringBuilder(String.format("%-16s", "integrator"));
            nfe.forEach(b -> header.append(String.format(Locale.ROOT, " %16s", "NFE " + b)));
            text.append(header).append('\n').append("-".repeat(header.length())).append('\n');
            byIntegrator.forEach((name, rows) -> {
                if (flow && Double.isNaN(rows.get(0).flowError())) {
                    return;
                }
                text.append(String.format("%-16s", name));
                for (PhaseBenchmark.Row r : rows) {
                    String value = String.format(Locale.ROOT, flow ? "%.2e" : "%.4f", flow ? r.flowError() : r.swd());
                    String tuned = Double.isNaN(r.parameter()) ? "" : String.format(Locale.ROOT, " (%s)",
                            new java.math.BigDecimal(r.parameter()).stripTrailingZeros().toPlainString());
                    text.append(String.format(Locale.ROOT, " %16s", value + tuned));
                }
                text.append('\n');
            });
        }
        text.append(String.format(Locale.ROOT, "%nIn parentheses: the best λ (conjugate, cse, cvv, of %s, by flow "
                + "error; coba, by distance, with roba's λ_s) and λ_s (roba, of %s, by distance) at that budget; noba "
                + "uses λ_s = 1.%n%d runs in %.1f s%n",
                PhaseBenchmark.LAMBDAS, PhaseBenchmark.NOISE_CONTROLS, report.rows().size(),
                (System.nanoTime() - started) / 1e9));
        System.out.print(text);
        if (json != null) {
            ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                    .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
            AtomicFiles.writeString(json, mapper.writeValueAsString(report) + "\n");
            System.out.println("wrote " + json);
        }
        return 0;
    }

    private void print(SamplerBenchmark.Report report, SamplerBenchmark.Config config, PrintStream out) {
        out.printf(Locale.ROOT, "model %s, process %s, grid %s [%.4g, %.4g]%s, %d samples, %s%n", model, process,
                grid.grid, report.sigmaMin(), report.sigmaMax(), grid.finalZero ? " + 0" : "", samples, dtype);
        out.printf(Locale.ROOT, "exact flow: %d evaluations; NLL of exact samples %.4f; SWD between two exact sets "
                + "%.4f%n", report.referenceEvaluations(), report.exactNll(), report.swdFloor());
        Map<String, List<SamplerBenchmark.Row>> bySampler = new LinkedHashMap<>();
        for (SamplerBenchmark.Row row : report.results()) {
            bySampler.computeIfAbsent(row.sampler(), k -> new ArrayList<>()).add(row);
        }
        Map<String, SamplerBenchmark.Order> orders = new LinkedHashMap<>();
        report.orders().forEach(o -> orders.put(o.sampler(), o));

        out.println();
        out.println("flow_rmse (deterministic samplers), and the order fitted over the last " + config.fitPoints()
                + " budgets");
        Table flow = new Table(bySampler.keySet(), config.nfe(), "order", "theory");
        for (String sampler : orders.keySet()) {
            SamplerBenchmark.Order order = orders.get(sampler);
            flow.row(sampler, bySampler.get(sampler), SamplerBenchmark.Row::flowRmse, "%9.2e",
                    String.format(Locale.ROOT, "%.2f", order.order()),
                    Double.isNaN(order.expected()) ? "—" : String.format(Locale.ROOT, "%.0f", order.expected()));
        }
        flow.print(out);

        out.println();
        out.println("swd, sliced Wasserstein distance to exact draws (two exact sets: "
                + String.format(Locale.ROOT, "%.4f", report.swdFloor()) + ")");
        Table swd = new Table(bySampler.keySet(), config.nfe());
        bySampler.forEach((sampler, rows) -> swd.row(sampler, rows, SamplerBenchmark.Row::swd, "%9.4f"));
        swd.print(out);

        out.println();
        out.println("nll, mean negative log-likelihood under the true mixture (exact samples: "
                + String.format(Locale.ROOT, "%.4f", report.exactNll()) + ")");
        Table nll = new Table(bySampler.keySet(), config.nfe());
        bySampler.forEach((sampler, rows) -> nll.row(sampler, rows, SamplerBenchmark.Row::nll, "%9.4f"));
        nll.print(out);
    }

    /** A plain-text table: one row per sampler, one column per NFE budget, then any extra columns. */
    private static final class Table {
        private final int width;
        private final StringBuilder text = new StringBuilder();

        Table(java.util.Collection<String> samplers, List<Integer> budgets, String... extra) {
            width = Math.max(8, samplers.stream().mapToInt(String::length).max().orElse(8));
            StringBuilder header = new StringBuilder(String.format("%-" + width + "s", "sampler"));
            for (int budget : budgets) {
                header.append(String.format(Locale.ROOT, " %9s", "NFE " + budget));
            }
            for (String column : extra) {
                header.append(String.format(" %6s", column));
            }
            text.append(header).append('\n').append("-".repeat(header.length())).append('\n');
        }

        void row(String sampler, List<SamplerBenchmark.Row> rows,
                java.util.function.ToDoubleFunction<SamplerBenchmark.Row> value, String format, String... extra) {
            text.append(String.format("%-" + width + "s", sampler));
            for (SamplerBenchmark.Row row : rows) {
                text.append(' ').append(String.format(Locale.ROOT, format, value.applyAsDouble(row)));
            }
            for (String cell : extra) {
                text.append(String.format(" %6s", cell));
            }
            text.append('\n');
        }

        void print(PrintStream out) {
            out.print(text);
        }
    }

    private void writeJson(SamplerBenchmark.Report report, SamplerBenchmark.Config config) {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = mapper.createObjectNode();
        ArrayNode results = root.putArray("results");
        for (SamplerBenchmark.Row row : report.results()) {
            ObjectNode r = results.addObject();
            r.put("sampler", row.sampler());
            r.put("nfe", row.nfe());
            r.put("steps", row.steps());
            r.put("flow_rmse", row.flowRmse());
            r.put("nll", row.nll());
            r.put("swd", row.swd());
        }
        ArrayNode orders = root.putArray("orders");
        for (SamplerBenchmark.Order order : report.orders()) {
            ObjectNode o = orders.addObject();
            o.put("sampler", order.sampler());
            o.put("order", order.order());
            if (!Double.isNaN(order.expected())) {
                o.put("theory", order.expected());
            }
        }
        ObjectNode setup = root.putObject("setup");
        setup.put("model", model);
        setup.put("process", process);
        setup.put("grid", grid.grid);
        setup.put("sigma_min", report.sigmaMin());
        setup.put("sigma_max", report.sigmaMax());
        setup.put("final_zero", grid.finalZero);
        setup.put("samples", samples);
        setup.put("seed", seed);
        setup.put("dtype", dtype);
        setup.put("reference_tolerance", config.referenceTolerance());
        setup.put("reference_evaluations", report.referenceEvaluations());
        setup.put("exact_nll", report.exactNll());
        setup.put("swd_floor", report.swdFloor());
        try {
            AtomicFiles.writeString(json, mapper.writeValueAsString(root) + "\n");
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private void writeChart(SamplerBenchmark.Report report) {
        Map<String, List<double[]>> series = new LinkedHashMap<>();
        List<String> deterministic = report.orders().stream().map(SamplerBenchmark.Order::sampler).toList();
        for (SamplerBenchmark.Row row : report.results()) {
            if (deterministic.contains(row.sampler())) {
                series.computeIfAbsent(row.sampler(), k -> new ArrayList<>()).add(new double[] {row.nfe(),
                    row.flowRmse()});
            }
        }
        Charts.convergence(chart, "Error against the exact probability flow (" + model + ")", "flow RMSE", series);
    }
}
