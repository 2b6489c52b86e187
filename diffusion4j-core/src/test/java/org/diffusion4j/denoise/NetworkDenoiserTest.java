package org.diffusion4j.denoise;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.nn.Network;
import org.diffusion4j.nn.NetworkConfig;
import org.diffusion4j.nn.NetworkFunction;
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

    /** A class-conditional network whose labels are its classes only: F = x·(1 + class), no null class. */
    private record NoNullClass() implements NetworkFunction {
        @Override
        public NDArray apply(NDArray x, NDArray noiseLabel, NDArray classLabels) {
            return x.mul(classLabels.toType(x.getDataType(), false).add(x.getManager().ones(new Shape(1),
                    x.getDataType())).reshape(-1, 1));
        }

        @Override
        public int classes() {
            return 3;
        }

        @Override
        public boolean hasNullClass() {
            return false;
        }

        @Override
        public DataType dataType() {
            return DataType.FLOAT64;
        }
    }

    @Test
    void aNetworkWithoutANullClassSamplesOnlyGivenClassesAndUnguided() {
        Preconditioning p = new Preconditioning("edm", "data", 0.5, false, "sigma");
        NetworkFunction network = new NoNullClass();
        try (NDManager m = Backend.newManager()) {
            NDArray x = m.create(new double[] {1, 2, 3, 4}, new Shape(2, 2));
            NDArray d = NetworkDenoiser.conditional(network, p, new int[] {0, 2}, 1).denoise(x, 1.5);
            assertEquals(0, d.sub(m.create(new double[] {1, 2, 9, 12}, new Shape(2, 2))).abs().max().getDouble());
        }
        InvalidArgumentException unconditional = assertThrows(InvalidArgumentException.class,
                () -> NetworkDenoiser.unconditional(network, p));
        assertEquals("the network is class-conditional without a null class; it samples only given a class per sample",
                unconditional.getMessage());
        InvalidArgumentException guided = assertThrows(InvalidArgumentException.class,
                () -> NetworkDenoiser.conditional(network, p, new int[] {1}, 0));
        assertEquals("guidance scale 0.0 needs an unconditional denoiser, but the network has no null class; leave the "
                + "scale at 1", guided.getMessage());
    }
}
