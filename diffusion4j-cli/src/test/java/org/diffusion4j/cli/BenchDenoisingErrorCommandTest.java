package org.diffusion4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.data.ImageSet;
import org.diffusion4j.eval.DenoisingError;
import org.diffusion4j.io.Safetensors;
import org.diffusion4j.train.Presets;
import org.diffusion4j.train.TrainedModel;
import org.diffusion4j.train.TrainingConfig;
import org.diffusion4j.train.TrainingData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchDenoisingErrorCommandTest {

    /** The printed row and the JSON hold what DenoisingError measures on the run's own data with its denoiser. */
    @Test
    void measuresARunOnItsOwnData(@TempDir Path dir) throws Exception {
        TrainingConfig config = Presets.named("toy-2d");
        Path run = toyRun(dir, config);
        Path json = dir.resolve("error.json");
        CliRunner.Result r = CliRunner.run("bench", "denoising-error", "--run", run.toString(), "--sigmas",
                "0.5,4", "--n", "300", "--batch", "128", "--seed", "5", "--json", json.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("first 300 samples") && r.out().contains("class means"), r.out());
        JsonNode row = new ObjectMapper().readTree(Files.readString(json)).get("rows").get(0);
        assertEquals(run.toString(), row.get("model").asText());
        try (NDManager m = Backend.newManager()) {
            TrainedModel model = TrainedModel.load(run, m);
            ImageSet data = TrainingData.load(config, dir, false, note -> { });
            DenoisingError.Table expected = DenoisingError.measure(c -> model.denoiser().edmView(), data, 300,
                    new double[] {0.5, 4}, 5, 128, m);
            JsonNode levels = row.get("table").get("levels");
            for (int i = 0; i < 2; i++) {
                assertEquals(expected.levels().get(i).error(), levels.get(i).get("error").asDouble(), 0,
                        levels.toString());
            }
            assertEquals(expected.classMeanError(), row.get("table").get("class_mean_error").asDouble(), 0);
            assertTrue(r.out().contains(String.format(java.util.Locale.ROOT, "%8.4f",
                    expected.levels().get(1).error())), r.out());
        }
    }

    @Test
    void badOptionsAreNamed(@TempDir Path dir) {
        CliRunner.assertError("give at least one --run or --model", "bench", "denoising-error");
        Path run = toyRun(dir, Presets.named("toy-2d"));
        CliRunner.assertError("the denoising error needs 1 to 20000 samples of", "bench", "denoising-error",
                "--run", run.toString(), "--n", "20001", "--data", dir.toString());
    }

    /** A toy-2d run directory with freshly initialized weights. */
    private static Path toyRun(Path dir, TrainingConfig config) {
        Path run = dir.resolve("toy");
        config.write(run.resolve("config.json"));
        try (NDManager m = Backend.newManager()) {
            Safetensors.write(run.resolve("model.safetensors"),
                    config.network().initialize(m, DataType.FLOAT32, 1).weights().all());
        }
        return run;
    }
}
