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
 * them alive.
 */
public final class PerturbedNetworks {
    private PerturbedNetworks() {}

    /** {@code config} initialized from {@code seed}, then perturbed with engine noise from the same seed. */
    public static Network of(NetworkConfig config, NDManager manager, DataType type, long seed) {
        Network fresh = config.initialize(manager, type, seed);
        Backend.seedEngine(seed);
        Map<String, NDArray> perturbed = new LinkedHashMap<>();
        fresh.weights().all().forEach((name, w) -> perturbed.put(name,
                w.add(manager.randomNormal(0, 0.05f, w.getShape(), type))));
        return config.load(perturbed, manager, type, "perturbed weights");
    }
}
