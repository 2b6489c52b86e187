package org.diffusion4j.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

class StepScopeTest {

    @Test
    void keepsOnlyWhatTheStepKeeps() {
        try (NDManager home = Backend.newManager()) {
            NDArray x = home.ones(new Shape(4));
            NDArray history = null;
            for (int i = 0; i < 1000; i++) {
                try (StepScope step = StepScope.open(home, x, history)) {
                    NDArray temporary = x.mul(2).add(1);
                    NDArray next = temporary.sub(x).sub(1);
                    history = step.keep(x.mul(3));
                    x = step.keep(next.div(2).add(0.5));
                }
                assertEquals(2, home.getManagedArrays().size(), "after step " + i);
            }
            assertEquals(4, x.sum().getFloat(), 0);
        }
    }

    @Test
    void refusesStateOwnedElsewhere() {
        try (NDManager home = Backend.newManager(); NDManager other = Backend.newManager()) {
            NDArray foreign = other.ones(new Shape(1));
            assertThrows(IllegalStateException.class, () -> StepScope.open(home, foreign));
            assertTrue(foreign.sum().getFloat() == 1);
        }
    }
}
