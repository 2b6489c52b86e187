package org.diffusion4j.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.denoise.Preconditioning;
import org.diffusion4j.nn.NetworkConfig;
import org.diffusion4j.phase.PhaseSpaceModel;
import org.diffusion4j.phase.Psld;
import org.junit.jupiter.api.Test;

/** Issue 23: --class 11 on a class-conditional phase-space run reached the engine (an embedding index error). */
class PhaseSpaceClassesTest {

    @Test
    void aClassOutOfRangeIsRefusedByName() {
        try (NDManager m = Backend.newManager()) {
            PhaseSpaceModel model = new PhaseSpaceModel(Psld.criticallyDamped(0.02, 8),
                    new NetworkConfig.Mlp(4, 16, 1, 8, 10).initialize(m, DataType.FLOAT32, 0),
                    new Preconditioning("vp", "edm", 1, false, "time"));
            Generator generator = new PhaseSpaceGenerator(model, new Shape(2), "sscs");
            assertEquals(10, generator.classes());
            InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> generator.generate(
                    GenerationRequest.builder(new long[] {0, 1}).classes(new int[] {3, 11}).steps(2).build(), m));
            assertEquals("class 11 is out of range: the model has 10 classes, 0 … 9", e.getMessage());
            assertEquals(new Shape(2, 2), generator.generate(GenerationRequest.builder(new long[] {0, 1})
                    .classes(new int[] {3, 9}).steps(2).build(), m).samples().getShape());
        }
    }
}
