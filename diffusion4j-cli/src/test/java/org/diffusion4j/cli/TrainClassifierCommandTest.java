package org.diffusion4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.diffusion4j.eval.Classifier;
import org.diffusion4j.io.UserFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code d4j train-classifier --dataset spoken-digits}: the test speakers held out, the feature recorded. */
class TrainClassifierCommandTest {

    /** Ten tones, one per digit, quieter in the test split: learnt from the training split, recognised in the test. */
    @Test
    void learnsSpokenDigitsAndRecordsItsFeature(@TempDir Path dir) throws Exception {
        Path data = ToneDigits.write(dir.resolve("data"));
        CliRunner.Result r = CliRunner.run("train-classifier", "--dataset", "spoken-digits", "--data",
                data.toString(), "--steps", "150", "--out", dir.toString(), "--quiet");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode info = UserFiles.readJson(dir.resolve("classifier-spoken-digits.json"));
        assertEquals("mel:rate=8000,n_fft=256,hop=128,mels=32,length=4032,floor=1.0E-5,ceiling=100.0,iterations=64",
                info.path("audio_feature").asText());
        assertEquals(10, info.path("test_images").asInt());
        assertEquals("d4j train-classifier --dataset spoken-digits --steps 150 --features 128 --seed 0",
                info.path("command").asText());
        assertTrue(info.path("test_accuracy").asDouble() >= 0.9, info.toString());
        try (Classifier classifier = Classifier.load(dir.resolve("classifier-spoken-digits.safetensors"),
                dir.resolve("classifier-spoken-digits.json"))) {
            assertEquals(info.path("test_accuracy").asDouble(), classifier.info().path("test_accuracy").asDouble());
        }
    }
}
