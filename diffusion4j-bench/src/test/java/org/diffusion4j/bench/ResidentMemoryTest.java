package org.diffusion4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.diffusion4j.backend.Backend;
import org.junit.jupiter.api.Test;

class ResidentMemoryTest {

    /** 256 MiB of native memory, written so the pages are resident, shows up in the reading and leaves with it. */
    @Test
    void seesNativeAllocations() {
        assumeTrue(ResidentMemory.available(), "no /proc/self/status here");
        try (NDManager manager = Backend.newManager()) {
            manager.zeros(new Shape(1)).close();
            double before = ResidentMemory.mebibytes();
            double during;
            try (NDManager scope = manager.newSubManager()) {
                NDArray big = scope.ones(new Shape(64L << 20), DataType.FLOAT32);
                assertEquals(64L << 20, big.sum().getFloat(), 1);
                during = ResidentMemory.mebibytes();
            }
            double after = ResidentMemory.mebibytes();
            assertTrue(during - before > 200, before + " → " + during);
            assertTrue(during - after > 200, "freed: " + during + " → " + after);
        }
    }
}
