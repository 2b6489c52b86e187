package org.diffusion4j.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/**
 * Guard of the engine behaviour {@link NativeArrays} works around: {@code toType(sameType, true)} shares storage
 * with its source (it made the EMA weights alias the trained weights, so the EMA update rescaled them). If a DJL
 * upgrade makes it copy, the first assertion fails and the workaround can go.
 */
class NativeArraysTest {

    @Test
    void sameTypeConversionSharesStorageButCopiesDoNot() {
        try (NDManager m = Backend.newManager()) {
            NDArray source = m.zeros(new Shape(3), DataType.FLOAT32);
            NDArray converted = source.toType(DataType.FLOAT32, true);
            converted.addi(m.ones(new Shape(3)));
            assertEquals(1f, source.getFloat(0), 0, "DJL's toType(same, copy = true) shares storage");

            for (DataType type : new DataType[] {DataType.FLOAT32, DataType.FLOAT64}) {
                NDArray copy = NativeArrays.copy(source, type);
                copy.addi(copy);
                assertEquals(1f, source.getFloat(0), 0, "a copy to " + type + " is independent");
                assertEquals(2.0, copy.toType(DataType.FLOAT64, false).getDouble(0), 0);
            }
        }
    }

    @Test
    void javaDataSurvivesGarbageCollection() {
        try (NDManager m = Backend.newManager()) {
            NDArray x = NativeArrays.of(m, new double[] {1.5, -2.5}, new Shape(2), DataType.FLOAT64);
            GarbagePressure.collect(3, 30_000_000);
            assertEquals(-2.5, x.getDouble(1), 0);
        }
    }
}
