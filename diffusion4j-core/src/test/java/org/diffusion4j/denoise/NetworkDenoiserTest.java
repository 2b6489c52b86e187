package org.diffusion4j.denoise;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.nn.Network;
import org.diffusion4j.nn.NetworkConfig;
import org.diffusion4j.nn.PerturbedNetworks;
import org.junit.jupiter.api.Test;

class NetworkDenoiserTest {

    /** Guidance with scale w is D(∅) + w·(D(class) − D(∅)) of the unguided conditional and unconditional denoisers. */
    @Test
    void guidanceCombinesTheConditionalAndUnconditionalDenoisers() {
        try (NDManager m = Backend.newManager()) {
            Network network = PerturbedNetworks.of(new NetworkConfig.Mlp(2, 16, 1, 8, 3), m, DataType.FLOAT64, 5);
            NDArray x = m.randomNormal(0, 1, new Shape(4, 2), DataType.FLOAT64);
            int[] classes = {0, 2, 1, 0};
            for (Preconditioning p : new Preconditioning[] {Preconditioning.edm("vp", 0.5),
                    Preconditioning.predicting("vp", "epsilon", 1)}) {
                double t = 0.4;
                double w = 2.5;
                NDArray guided = NetworkDenoiser.conditional(network, p, classes, w).denoise(x, t);
                NDArray conditional = NetworkDenoiser.conditional(network, p, classes, 1).denoise(x, t);
                NDArray unconditional = NetworkDenoiser.unconditional(network, p).denoise(x, t);
                NDArray expected = unconditional.add(conditional.sub(unconditional).mul(m.create(w)));
                assertEquals(0, guided.sub(expected).abs().max().getDouble(), 1e-12, p.toString());
            }
        }
    }
}
