package org.diffusion4j.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.diffusion4j.InvalidArgumentException;
import org.junit.jupiter.api.Test;

/** PGD on the ℓ∞ ball: a linear objective is maximised at the corner ε·sign(w); no steps leave the start. */
class ProjectedAscentTest {

    @Test
    void aLinearObjectiveEndsAtItsWorstCorner() {
        try (NDManager m = Backend.newManager()) {
            NDArray w = m.create(new float[] {3, -0.5f, 2, -7, 0.25f});
            NDArray start = m.create(new float[] {0.09f, 0.09f, -0.09f, 0, 0.01f});
            ProjectedAscent ascent = ProjectedAscent.madry(0.1, 3);
            assertEquals(2.5 * 0.1 / 3, ascent.stepSize(), 1e-15);
            NDArray delta = ascent.maximize(d -> d.mul(w).sum(), start, m);
            assertArrayEquals(new float[] {0.1f, -0.1f, 0.1f, -0.1f, 0.1f}, delta.toFloatArray(), 1e-7f);
            assertArrayEquals(start.toFloatArray(), ProjectedAscent.madry(0.1, 0).maximize(d -> d.mul(w).sum(),
                    start, m).toFloatArray(), "no steps: the start");
            // one step of 0.05 from the start: every coordinate moves along its gradient's sign and stays inside
            NDArray once = new ProjectedAscent(0.1, 1, 0.05).maximize(d -> d.mul(w).sum(), start, m);
            assertArrayEquals(new float[] {0.1f, 0.04f, -0.04f, -0.05f, 0.06f}, once.toFloatArray(), 1e-7f);
        }
    }

    @Test
    void impossibleSettingsAreRefused() {
        assertThrows(InvalidArgumentException.class, () -> new ProjectedAscent(-1, 3, 0.1));
        assertThrows(InvalidArgumentException.class, () -> new ProjectedAscent(0.1, -1, 0.1));
        assertThrows(InvalidArgumentException.class, () -> new ProjectedAscent(0.1, 3, Double.NaN));
    }
}
