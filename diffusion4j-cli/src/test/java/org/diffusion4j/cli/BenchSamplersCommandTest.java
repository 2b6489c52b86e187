package org.diffusion4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchSamplersCommandTest {

    @Test
    void printsTheTableAndWritesJsonAndChart(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("bench.json");
        Path chart = dir.resolve("bench.png");
        CliRunner.Result r = CliRunner.run("bench", "samplers", "--samplers", "euler,heun;dpmpp-2m-sde:eta=0,solver=heun,ddpm",
                "--nfe", "20,40,80", "--samples", "64", "--fit-points", "2", "--json", json.toString(), "--chart",
                chart.toString(), "--quiet");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("flow_rmse (deterministic samplers)"), r.out());
        assertTrue(r.out().contains("dpmpp-2m-sde:eta=0,solver=heun"), r.out());
        JsonNode root = new ObjectMapper().readTree(Files.readString(json));
        assertEquals(12, root.get("results").size());
        JsonNode first = root.get("results").get(0);
        for (String field : List.of("sampler", "nfe", "steps", "flow_rmse", "nll", "swd")) {
            assertTrue(first.has(field), field);
        }
        assertEquals("euler", first.get("sampler").asText());
        assertEquals(20, first.get("nfe").asInt());
        assertEquals(3, root.get("orders").size(), "ddpm is stochastic and gets no order");
        for (JsonNode order : root.get("orders")) {
            assertEquals(order.get("theory").asDouble(), order.get("order").asDouble(), 0.5, order.toString());
        }
        assertTrue(Files.size(chart) > 1000);
    }

    /** --process psld runs every phase-space integrator, with the searched λ and λ_s, and the splittings win. */
    @Test
    void phaseSpaceTableHasEveryIntegrator(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("psld.json");
        CliRunner.Result r = CliRunner.run("bench", "samplers", "--process", "psld", "--model", "gmm:two-gaussians-1d",
                "--nfe", "20,50", "--samples", "256", "--json", json.toString(), "--quiet");
        assertEquals(0, r.exitCode(), r.err());
        for (String name : List.of("euler", "conjugate", "nse", "rse", "nvv", "rvv", "euler-maruyama", "sscs",
                "roba", "noba", "cse", "cvv", "coba")) {
            assertTrue(r.out().contains("\n" + name + " "), name + "\n" + r.out());
        }
        JsonNode rows = new ObjectMapper().readTree(Files.readString(json)).get("rows");
        assertEquals(26, rows.size());
        double euler = Double.NaN;
        double rvv = Double.NaN;
        for (JsonNode row : rows) {
            if (row.get("nfe").asInt() == 50 && row.get("integrator").asText().equals("euler")) {
                euler = row.get("flow_error").asDouble();
            }
            if (row.get("nfe").asInt() == 50 && row.get("integrator").asText().equals("rvv")) {
                rvv = row.get("flow_error").asDouble();
            }
        }
        assertTrue(rvv < euler, "rvv " + rvv + " vs euler " + euler + " at 50 NFE\n" + r.out());
    }

    @Test
    void splitsSamplerLists() {
        assertEquals(List.of("euler", "heun:s_churn=1,s_tmin=0", "dpm2", "unipc:order=3"),
                SamplerSpecs.split("euler,heun:s_churn=1,s_tmin=0,dpm2;unipc:order=3"));
    }
}
