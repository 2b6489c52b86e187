package org.diffusion4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.diffusion4j.InvalidArgumentException;
import org.junit.jupiter.api.Test;

/** The parts of {@link TorchComparison} that need no PyTorch. */
class TorchComparisonTest {
    private static final Path PYTHON = Path.of("/usr/bin/python3");

    @Test
    void medianOfOddAndEvenCounts() {
        assertEquals(2.0, TorchComparison.median(List.of(3.0, 1.0, 2.0)));
        assertEquals(2.5, TorchComparison.median(List.of(4.0, 1.0, 3.0, 2.0)));
        assertEquals(7.0, TorchComparison.median(List.of(7.0)));
    }

    @Test
    void configRefusesWhatCannotRun() {
        assertThrows(InvalidArgumentException.class, () -> config(List.of(1), 1, 1, null, null));
        assertThrows(InvalidArgumentException.class, () -> config(List.of(), 1, 1, "bundled:mnist-edm", null));
        assertThrows(InvalidArgumentException.class, () -> config(List.of(0), 1, 1, "bundled:mnist-edm", null));
        assertThrows(InvalidArgumentException.class, () -> config(List.of(1), 0, 1, "bundled:mnist-edm", null));
        assertThrows(InvalidArgumentException.class, () -> config(List.of(1), 1, 0, "bundled:mnist-edm", null));
        assertThrows(InvalidArgumentException.class,
                () -> config(List.of(1), 1, 1, "bundled:mnist-edm", Path.of("runs/x")));
        assertEquals("runs/x", config(List.of(1), 1, 1, null, Path.of("runs/x")).name());
    }

    @Test
    void skipNamesThePythonAndTheReason() {
        TorchComparison.Skipped s = new TorchComparison.Skipped(PYTHON, "ModuleNotFoundError: No module named "
                + "'torch'");
        assertEquals("skipped: no PyTorch at /usr/bin/python3 (ModuleNotFoundError: No module named 'torch')",
                s.message());
    }

    @Test
    void agreementIsRelativeToTheLargerOfOneAndTheOutput() {
        assertEquals(1e-5, new TorchComparison.Agreement(1, 1e-4, 10).relative(), 1e-18);
        assertEquals(1e-4, new TorchComparison.Agreement(1, 1e-4, 0.5).relative(), 1e-18);
        assertTrue(TorchComparison.AGREEMENT_BOUND > 0);
    }

    private static TorchComparison.Config config(List<Integer> batches, int threads, int rounds, String model,
            Path run) {
        return new TorchComparison.Config(model, run, batches, threads, rounds, 0.1, PYTHON, 0);
    }
}
