package org.diffusion4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchSpeedCommandTest {

    /** A small run of every part: the tables are printed and the JSON holds each row with its numbers. */
    @Test
    void printsTheTablesAndWritesJson(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("speed.json");
        CliRunner.Result r = CliRunner.run("bench", "speed", "--models", "mlp:256", "--samplers", "euler,heun",
                "--steps", "4", "--min-seconds", "0.05", "--train-steps", "3", "--warmup-steps", "1",
                "--scaling-threads", "1,2", "--memory-model", "mlp:256", "--memory-sampler-steps", "200",
                "--memory-train-steps", "40", "--json", json.toString(), "--quiet");
        assertEquals(0, r.exitCode(), r.err());
        for (String table : new String[] {"sampler overhead: mlp, batch 256", "training loop against",
            "thread scaling (mlp)", "resident memory"}) {
            assertTrue(r.out().contains(table), table + "\n" + r.out());
        }
        JsonNode root = new ObjectMapper().readTree(Files.readString(json));
        JsonNode samplers = root.get("samplers");
        assertEquals(2, samplers.size());
        assertEquals(4, samplers.get(0).get("nfe").asInt(), "euler: one call per level");
        assertEquals(7, samplers.get(1).get("nfe").asInt(), "heun: two per level but the last");
        for (JsonNode row : samplers) {
            double sample = row.get("sample_seconds").asDouble();
            double call = row.get("call_seconds").asDouble();
            assertTrue(call > 0 && sample > 0, row.toString());
            assertEquals((sample - row.get("nfe").asInt() * call) / sample, row.get("overhead").asDouble(), 1e-12);
        }
        JsonNode training = root.get("training").get(0);
        assertEquals(512, training.get("batch").asInt(), "the toy-2d preset's batch");
        assertTrue(training.get("loop_images_per_second").asDouble() > 0, training.toString());
        assertEquals(1 - training.get("loop_images_per_second").asDouble()
                / training.get("bare_images_per_second").asDouble(), training.get("overhead").asDouble(), 1e-9);
        assertEquals(4, root.get("threads").size(), "sampling and training at 1 and 2 threads");
        assertEquals(2, root.get("memory").size());
        for (JsonNode row : root.get("memory")) {
            assertTrue(row.get("end_mib").asDouble() > 50, row.toString());
        }
        assertEquals(Runtime.getRuntime().availableProcessors(), root.get("setup").get("cores").asInt());
    }

    /** Bad options are named, before anything runs. */
    @Test
    void badOptionsGetClearMessages() throws Exception {
        CliRunner.Result batch = CliRunner.run("bench", "speed", "--models", "unet", "--quiet");
        assertEquals(1, batch.exitCode());
        assertTrue(batch.err().contains("NAME:BATCH with a positive batch, e.g. unet:64; got unet"), batch.err());
        CliRunner.Result steps = CliRunner.run("bench", "speed", "--models", "mlp:8", "--steps", "0", "--quiet");
        assertEquals(1, steps.exitCode());
        assertTrue(steps.err().contains("got steps 0"), steps.err());
        CliRunner.Result model = CliRunner.run("bench", "speed", "--models", "resnet:8", "--quiet");
        assertEquals(1, model.exitCode());
        assertTrue(model.err().contains("unknown bench model 'resnet'; known bench models: unet, mlp"), model.err());
    }
}
