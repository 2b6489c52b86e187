package org.diffusion4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.LinkedHashMap;
import java.util.Map;
import org.diffusion4j.backend.Backend;

/**
 * Networks whose every weight is its initial value plus N(0, 0.05²) noise. Fresh networks start with zero output
 * layers (and DiT with zero gates), which makes almost every gradient exactly zero; a test of gradients needs all of
 * them alive. {@link #perturbed} does the same to any weights (classifier, discriminator head).
 */
public final class PerturbedNetworks {
    private PerturbedNetworks() {}

    /** {@code config} initialized from {@code seed}, then perturbed with engine noise from the same seed. */
    public static Network of(NetworkConfig config, NDManager manager, DataType type, long seed) {
        Network fresh = config.initialize(manager, type, seed);
        return config.load(perturbed(fresh.weights(), seed), manager, type, "perturbed weights");
    }

    /** Each of {@code weights} plus N(0, 0.05²) engine noise from {@code seed}, in its own precision. */
    public static Map<String, NDArray> perturbed(Weights weights, long seed) {
        Backend.seedEngine(seed);
        Map<String, NDArray> perturbed = new LinkedHashMap<>();
        weights.all().forEach((name, w) -> perturbed.put(name,
                w.add(w.getManager().randomNormal(0, 0.05f, w.getShape(), w.getDataType()))));
        return perturbed;
    }
}
