package org.diffusion4j.denoise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.diffusion4j.DiffusionException;
import org.diffusion4j.io.FileFormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MixtureSpecTest {

    @Test
    void roundTripsThroughAFile(@TempDir Path dir) {
        GaussianMixture mixture = MixtureSpec.bundled("eight-gaussians");
        Path file = dir.resolve("mix.json");
        MixtureSpec.write(mixture, file);
        GaussianMixture back = MixtureSpec.read(file);
        assertArrayEquals(mixture.weights(), back.weights(), 0);
        assertEquals(8, back.components());
        assertEquals(2, back.dimension());
    }

    private static String error(String json) {
        return assertThrows(DiffusionException.class, () -> MixtureSpec.parse(json, "spec.json")).getMessage();
    }

    @Test
    void badSpecsNameTheProblem() {
        assertTrue(error("{\"weights\": [1]").contains("not valid JSON"));
        assertTrue(error("{\"means\": [[0]], \"variances\": [[1]]}").contains("missing field 'weights'"));
        assertTrue(error("{\"weights\": [1, 1], \"means\": [[0]], \"variances\": [[1]]}")
                .contains("2 weights but 1 means"));
        assertTrue(error("{\"weights\": [1], \"means\": [[0, 1]], \"variances\": [[1]]}")
                .contains("component 0 has 2 mean and 1 variance values"));
        assertTrue(error("{\"weights\": [1], \"means\": [[0]], \"variances\": [[-1]]}")
                .contains("variance [0][0] must be positive"));
        assertTrue(error("{\"weights\": [1], \"means\": [[\"a\"]], \"variances\": [[1]]}")
                .contains("means[0][0] must be a number"));
        assertTrue(error("{\"weights\": [0], \"means\": [[0]], \"variances\": [[1]]}")
                .contains("weight 0 must be positive"));
        assertTrue(error("[1, 2]").startsWith("spec.json: expected a JSON object"));
    }

    @Test
    void missingFileIsNamed(@TempDir Path dir) {
        Path missing = dir.resolve("nope.json");
        FileFormatException e = assertThrows(FileFormatException.class, () -> MixtureSpec.read(missing));
        assertTrue(e.getMessage().contains("nope.json"), e.getMessage());
        assertTrue(Files.notExists(missing));
    }
}
