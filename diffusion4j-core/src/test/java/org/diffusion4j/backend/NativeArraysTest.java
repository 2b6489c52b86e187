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

    /**
     * Guard: {@code duplicate()} detaches its result from autograd's graph (backward through it fails), while
     * {@link NativeArrays#differentiableCopy} is independent storage that gradients flow through (d(2x)²/dx = 8x).
     */
    @Test
    void duplicateDetachesButTheDifferentiableCopyDoesNot() {
        try (NDManager m = Backend.newManager()) {
            NDArray x = m.create(new float[] {0.5f, -1.5f});
            x.setRequiresGradient(true);
            try (ai.djl.training.GradientCollector c = ai.djl.engine.Engine.getInstance().newGradientCollector()) {
                NDArray detached = x.add(x).duplicate();
                org.junit.jupiter.api.Assertions.assertThrows(ai.djl.engine.EngineException.class,
                        () -> c.backward(detached.mul(detached).sum()), "DJL's duplicate() detaches");
            }
            try (ai.djl.training.GradientCollector c = ai.djl.engine.Engine.getInstance().newGradientCollector()) {
                NDArray doubled = x.add(x);
                NDArray copy = NativeArrays.differentiableCopy(doubled, DataType.FLOAT32);
                c.backward(copy.mul(copy).sum());
                doubled.addi(doubled);
                assertEquals(1f, copy.getFloat(0), 0, "independent storage");
            }
            org.junit.jupiter.api.Assertions.assertArrayEquals(new float[] {4f, -12f}, x.getGradient().toFloatArray(),
                    1e-6f);
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
