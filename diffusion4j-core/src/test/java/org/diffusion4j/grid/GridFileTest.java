package org.diffusion4j.grid;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.diffusion4j.DiffusionException;
import org.diffusion4j.io.FileFormatException;
import org.diffusion4j.process.VeSchedule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Grid files: written and read back exactly, malformed ones refused naming the file and the field. */
class GridFileTest {
    private static final double[] SIGMAS = {80, 12.5, 3.25, 0.71, 0.13, 0.002, 0};

    @Test
    void roundTripKeepsTheLevelsBitForBitAndTheProvenance(@TempDir Path dir) {
        ObjectNode provenance = new ObjectMapper().createObjectNode();
        provenance.put("model", "gmm:eight-gaussians");
        provenance.putObject("discrepancy").put("baseline", 0.25).put("tuned", 0.08);
        double[] awkward = {80, 1.0 / 3, Math.PI / 100, 0.0020000000000000003, 0};
        GridFile file = new GridFile(awkward, "dpmpp-2m", 4, provenance);
        Path path = dir.resolve("grid.json");
        file.write(path);
        GridFile back = GridFile.read(path);
        assertArrayEquals(awkward, back.sigmas());
        assertEquals(file, back);
        assertEquals("gmm:eight-gaussians", back.provenance().get("model").asText());
        assertEquals(0.08, back.provenance().get("discrepancy").get("tuned").asDouble());
    }

    @Test
    void aFileGridGivesExactlyItsLevelsAtItsStepCount(@TempDir Path dir) throws IOException {
        Path path = write(dir, body("[80, 12.5, 3.25, 0.71, 0.13, 0.002, 0]", "\"dpmpp-2m\"", "6"));
        GridSpec spec = GridSpecs.named("file:" + path, 0.002, 80, 7, null);
        assertArrayEquals(SIGMAS, spec.build(6, new VeSchedule(), true).sigmas());
        assertArrayEquals(new double[] {80, 12.5, 3.25, 0.71, 0.13, 0.002},
                spec.build(5, new VeSchedule(), false).sigmas());
        assertEquals(6, ((GridSpec.FromFile) spec).steps(true));
    }

    @Test
    void anotherStepCountIsRefusedNamingTheFileAndItsBudget(@TempDir Path dir) throws IOException {
        Path path = write(dir, body("[80, 12.5, 3.25, 0.71, 0.13, 0.002, 0]", "\"dpmpp-2m\"", "6"));
        GridSpec spec = GridSpecs.named("file:" + path, 0.002, 80, 7, null);
        InvalidGridException e = assertThrows(InvalidGridException.class, () -> spec.build(3, new VeSchedule(), true));
        assertTrue(e.getMessage().contains(path.toString()) && e.getMessage().contains("has 6 steps")
                && e.getMessage().contains("takes 3") && e.getMessage().contains("dpmpp-2m at 6 NFE"), e.getMessage());
    }

    @ParameterizedTest(name = "{3}")
    @CsvSource(delimiter = '|', value = {
        "[80, 3, 3, 0]|\"dpmpp-2m\"|10|sigmas[2] = 3.0 is not below sigmas[1] = 3.0; the levels must be strictly decreasing",
        "[80, 1, 5, 0]|\"dpmpp-2m\"|10|sigmas[2] = 5.0 is not below sigmas[1] = 1.0",
        "[80, 1, -0.5]|\"dpmpp-2m\"|10|sigmas[2] = -0.5 is negative",
        "[80, 0, 0.1]|\"dpmpp-2m\"|10|sigmas[1] = 0 before the last level",
        "[80, \"NaN\", 0]|\"dpmpp-2m\"|10|sigmas[1] must be a number, got \"NaN\"",
        "[80]|\"dpmpp-2m\"|10|field 'sigmas' must be an array of at least 2 noise levels, got 1 level",
        "{}|\"dpmpp-2m\"|10|field 'sigmas' must be an array of at least 2 noise levels, got {}",
        "[80, 1, 0]|7|10|field 'sampler' must be a non-empty string, got 7",
        "[80, 1, 0]|\"dpmpp-2m\"|0|field 'nfe' must be a positive integer, got 0",
        "[80, 1, 0]|\"dpmpp-2m\"|2.5|field 'nfe' must be a positive integer, got 2.5",
    })
    void malformedFilesAreRefusedByField(String sigmas, String sampler, String nfe, String expected,
            @TempDir Path dir) throws IOException {
        Path path = write(dir, body(sigmas, sampler, nfe));
        FileFormatException e = assertThrows(FileFormatException.class, () -> GridFile.read(path));
        assertTrue(e.getMessage().startsWith(path.toString()), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void missingFieldsWrongFormatAndVersionAreNamed(@TempDir Path dir) throws IOException {
        assertMessage(dir, "{\"format\": \"diffusion4j-grid\", \"version\": 1, \"sampler\": \"heun\", \"nfe\": 5}",
                "missing field 'sigmas'");
        assertMessage(dir, "{\"format\": \"diffusion4j-grid\", \"version\": 1, \"sigmas\": [1, 0], \"nfe\": 5}",
                "missing field 'sampler'");
        assertMessage(dir, "{\"format\": \"diffusion4j-grid\", \"version\": 1, \"sigmas\": [1, 0], \"sampler\": "
                + "\"heun\"}", "missing field 'nfe'");
        assertMessage(dir, "{\"version\": 1, \"sigmas\": [1, 0], \"sampler\": \"heun\", \"nfe\": 5}",
                "missing field 'format'");
        assertMessage(dir, "{\"format\": \"k-diffusion\", \"version\": 1, \"sigmas\": [1, 0], \"sampler\": \"heun\", "
                + "\"nfe\": 5}", "field 'format' is \"k-diffusion\", expected \"diffusion4j-grid\"");
        assertMessage(dir, "{\"format\": \"diffusion4j-grid\", \"version\": 2, \"sigmas\": [1, 0], \"sampler\": "
                + "\"heun\", \"nfe\": 5}", "field 'version' is 2, expected 1");
        assertMessage(dir, "[80, 1, 0]", "expected a JSON object");
        assertMessage(dir, "{\"format\": ", "not valid JSON");
    }

    @Test
    void aMissingFileIsNamed(@TempDir Path dir) {
        DiffusionException e = assertThrows(DiffusionException.class,
                () -> GridSpecs.named("file:" + dir.resolve("nope.json"), 0.002, 80, 7, null));
        assertTrue(e.getMessage().contains("nope.json") && e.getMessage().contains("no such file"), e.getMessage());
        InvalidGridException blank = assertThrows(InvalidGridException.class,
                () -> GridSpecs.named("file:", 0.002, 80, 7, null));
        assertTrue(blank.getMessage().contains("needs a path"), blank.getMessage());
    }

    private static void assertMessage(Path dir, String json, String expected) throws IOException {
        Path path = write(dir, json);
        FileFormatException e = assertThrows(FileFormatException.class, () -> GridFile.read(path));
        assertTrue(e.getMessage().startsWith(path.toString()) && e.getMessage().contains(expected), e.getMessage());
    }

    private static String body(String sigmas, String sampler, String nfe) {
        return "{\"format\": \"diffusion4j-grid\", \"version\": 1, \"sigmas\": " + sigmas + ", \"sampler\": "
                + sampler + ", \"nfe\": " + nfe + "}";
    }

    private static Path write(Path dir, String text) throws IOException {
        Path path = Files.createTempFile(dir, "grid", ".json");
        Files.writeString(path, text);
        return path;
    }
}
