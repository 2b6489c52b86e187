package org.diffusion4j.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.denoise.MixtureSpec;
import org.diffusion4j.process.Schedules;
import org.junit.jupiter.api.Test;

class BatchesTest {

    @Test
    void batchesAreSizedToTheBudget() {
        assertEquals(2 * 4 * 64, Batches.bytesPerSample(new Shape(2), DataType.FLOAT32));
        assertEquals(784 * 8 * 64, Batches.bytesPerSample(new Shape(1, 28, 28), DataType.FLOAT64));
        Batches points = Batches.within(100_000_000, new Shape(2), DataType.FLOAT32, Batches.DEFAULT_BUDGET_BYTES);
        assertEquals(131_072, points.batch());
        assertEquals(763, points.count());
        Batches images = Batches.within(100_000, new Shape(1, 28, 28), DataType.FLOAT32, 64L << 20);
        assertEquals(334, images.batch());
        assertEquals(12, Batches.within(12, new Shape(2), DataType.FLOAT32, 64L << 20).batch());
        assertEquals(1, Batches.within(5, new Shape(3, 512, 512), DataType.FLOAT64, 1).batch());
        assertThrows(InvalidArgumentException.class, () -> new Batches(0, 1));
        assertThrows(InvalidArgumentException.class, () -> new Batches(5, -3));
    }

    /** Sample i depends on seed i alone: ten samples in batches of 3 are the ten of one batch. */
    @Test
    void batchesDoNotChangeTheSamples() {
        Generator mixture = Generators.mixture(MixtureSpec.bundled("eight-gaussians"), Schedules.byName("edm"));
        GenerationRequest template = GenerationRequest.builder(new long[] {0}).sampler("dpmpp-2m-sde").steps(8)
                .dtype(DataType.FLOAT64).build();
        try (NDManager m = Backend.newManager()) {
            double[] whole = mixture.generate(template.toBuilder().seeds(GenerationRequest.consecutiveSeeds(7, 10))
                    .build(), m).samples().toDoubleArray();
            List<double[]> parts = new ArrayList<>();
            List<Integer> starts = new ArrayList<>();
            new Batches(10, 3).generate(mixture, template, 7, null, null, m, (from, g) -> {
                starts.add(from);
                parts.add(g.samples().toDoubleArray());
            });
            assertEquals(List.of(0, 3, 6, 9), starts);
            double[] joined = new double[20];
            int at = 0;
            for (double[] p : parts) {
                System.arraycopy(p, 0, joined, at, p.length);
                at += p.length;
            }
            assertArrayEquals(whole, joined, 1e-12);
        }
    }
}
