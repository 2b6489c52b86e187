package org.diffusion4j.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.denoise.Denoiser;
import org.diffusion4j.denoise.GaussianMixtureDenoiser;
import org.diffusion4j.denoise.MixtureSpec;
import org.diffusion4j.grid.Grid;
import org.diffusion4j.process.VeSchedule;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every sampler k-diffusion has returns what k-diffusion's {@code sample_*} returns, in float64, given the same
 * denoiser (the exact eight-component mixture), start, grid and noise draws. The references come from
 * {@code src/test/python/kdiffusion_reference.py}, a NumPy transcription of k-diffusion's update rules.
 */
class KDiffusionParityTest {
    private static NDManager manager;
    private static Map<String, NDArray> fixture;

    @BeforeAll
    static void load() throws IOException {
        manager = Backend.newManager();
        fixture = new HashMap<>();
        try (InputStream in = KDiffusionParityTest.class.getResourceAsStream("kdiffusion-parity.npz")) {
            for (NDArray array : NDList.decode(manager, in)) {
                fixture.put(array.getName(), array);
            }
        }
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    static Stream<Arguments> cases() throws IOException {
        List<Arguments> out = new ArrayList<>();
        try (InputStream in = KDiffusionParityTest.class.getResourceAsStream("kdiffusion-parity-cases.txt")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank()) {
                    String[] parts = line.split("\t");
                    for (String grid : List.of("karras", "exponential")) {
                        out.add(Arguments.of(grid, parts[0], parts[1]));
                    }
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{1} on {0}")
    @MethodSource("cases")
    void matchesKDiffusion(String gridName, String caseName, String spec) {
        try (NDManager m = manager.newSubManager()) {
            Denoiser denoiser = new GaussianMixtureDenoiser(MixtureSpec.bundled("eight-gaussians"), new VeSchedule())
                    .edmView();
            Grid grid = Grid.of(fixture.get("grid." + gridName).toDoubleArray());
            NDArray z = fixture.get("z");
            NDArray x = z.mul(grid.sigmaMax());
            x.attach(m);
            NDArray draws = fixture.get("draws");
            List<NDArray> replay = new ArrayList<>();
            for (int i = 0; i < draws.getShape().get(0); i++) {
                NDArray draw = draws.get(i);
                draw.attach(m);
                replay.add(draw);
            }
            ReplayNoise noise = new ReplayNoise(replay);
            NDArray result = SamplerRegistry.create(spec).sample(denoiser, x, grid, noise, StepCallback.NONE);
            double[] expected = fixture.get("result." + gridName + "." + caseName).toDoubleArray();
            double[] actual = result.toDoubleArray();
            double worst = 0;
            for (int i = 0; i < expected.length; i++) {
                worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / Math.max(1, Math.abs(expected[i])));
            }
            assertTrue(worst < 1e-12, spec + " on " + gridName + ": largest difference " + worst);
            assertEquals(fixture.get("used." + gridName + "." + caseName).toLongArray()[0], noise.used(),
                    "noise draws used");
        }
    }
}
