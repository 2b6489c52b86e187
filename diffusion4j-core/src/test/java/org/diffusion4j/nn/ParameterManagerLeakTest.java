package org.diffusion4j.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.generate.GenerationRequest;
import org.diffusion4j.generate.Generator;
import org.diffusion4j.train.TrainedModel;
import org.junit.jupiter.api.Test;

/**
 * Generating leaves nothing in the model's manager: arrays derived from parameters (reshaped GroupNorm affines,
 * padded convolution weights) belong to the call. Otherwise a long-lived model (a server's) gains arrays, Java heap
 * and native memory, with every request.
 */
class ParameterManagerLeakTest {

    @Test
    void generationLeavesTheModelsManagerAsItWas() {
        try (NDManager modelManager = Backend.newManager()) {
            Generator unet = TrainedModel.bundled("mnist-edm", modelManager).generator();
            int before = modelManager.getManagedArrays().size();
            for (int run = 0; run < 2; run++) {
                try (NDManager call = Backend.newManager()) {
                    unet.generate(GenerationRequest.builder(new long[] {run, run + 1}).classes(new int[] {1, 2})
                            .guidance(2).sampler("euler").steps(2).build(), call);
                }
            }
            assertEquals(before, modelManager.getManagedArrays().size(),
                    "arrays left in the model's manager after two generations");
        }
    }
}
