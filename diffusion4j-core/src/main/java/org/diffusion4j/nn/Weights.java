package org.diffusion4j.nn;

import org.diffusion4j.backend.NativeArrays;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.diffusion4j.DiffusionException;
import org.diffusion4j.ShapeMismatchException;

/**
 * The named trainable arrays of a network. A network's constructor asks for each weight by name, shape and
 * initialization; where the values come from is the weights' business: fresh values from a seed (each weight from
 * its own generator, seeded by the seed and its name, so adding a layer does not change the others), or an existing
 * set of arrays (a checkpoint, or the same network in another dtype), checked name by name and shape by shape.
 */
public final class Weights {
    private final Map<String, NDArray> arrays = new LinkedHashMap<>();
    private final Source source;

    private interface Source {
        NDArray get(String name, Shape shape, Init init);

        void finish(Map<String, NDArray> requested);
    }

    private Weights(Source source) {
        this.source = source;
    }

    /** Fresh weights drawn from {@code seed}, in {@code type}, living in {@code manager}. */
    public static Weights initialize(NDManager manager, DataType type, long seed) {
        return new Weights(new Source() {
            @Override
            public NDArray get(String name, Shape shape, Init init) {
                int size = Math.toIntExact(shape.size());
                double[] values = new double[size];
                switch (init.kind()) {
                    case ONES:
                        java.util.Arrays.fill(values, 1);
                        break;
                    case ZEROS:
                        break;
                    default:
                        SplittableRandom random = new SplittableRandom(seed ^ fnv(name));
                        double bound = init.bound();
                        for (int i = 0; i < size; i++) {
                            values[i] = (float) (bound * (2 * random.nextDouble() - 1));
                        }
                }
                return NativeArrays.of(manager, values, shape, type);
            }

            @Override
            public void finish(Map<String, NDArray> requested) {}
        });
    }

    /**
     * Weights taken from {@code arrays} (by name; copied into {@code manager} in {@code type}). Every requested
     * weight must be there with the requested shape, and every array must be requested; {@code what} names the
     * origin (a file) in errors.
     */
    public static Weights from(Map<String, NDArray> arrays, NDManager manager, DataType type, String what) {
        return new Weights(new Source() {
            @Override
            public NDArray get(String name, Shape shape, Init init) {
                NDArray array = arrays.get(name);
                if (array == null) {
                    throw new DiffusionException(what + ": no weight '" + name + "' (shape " + shape
                            + "); the file does not match the network configuration");
                }
                if (!array.getShape().equals(shape)) {
                    throw new ShapeMismatchException(what + ": weight '" + name + "' has shape " + array.getShape()
                            + ", the network configuration needs " + shape);
                }
                NDArray copy = NativeArrays.copy(array, type);
                copy.attach(manager);
                return copy;
            }

            @Override
            public void finish(Map<String, NDArray> requested) {
                for (String name : arrays.keySet()) {
                    if (!requested.containsKey(name)) {
                        throw new DiffusionException(what + ": weight '" + name
                                + "' is not part of the network configuration");
                    }
                }
            }
        });
    }

    /** The weight {@code name}, created (or taken) with {@code shape}. */
    public NDArray get(String name, Shape shape, Init init) {
        if (arrays.containsKey(name)) {
            throw new IllegalStateException("weight '" + name + "' requested twice");
        }
        NDArray array = source.get(name, shape, init);
        array.setName(name);
        arrays.put(name, array);
        return array;
    }

    /** A view that prefixes names with {@code prefix + "."}. */
    public Scope scope(String prefix) {
        return new Scope(this, prefix);
    }

    /** Checks that an existing set was used completely; call once the network is built. */
    void finish() {
        source.finish(arrays);
    }

    /** All weights by name, in creation order (unmodifiable). */
    public Map<String, NDArray> all() {
        return Collections.unmodifiableMap(arrays);
    }

    /** Number of scalar parameters. */
    public long count() {
        return arrays.values().stream().mapToLong(a -> a.getShape().size()).sum();
    }

    /** Marks every weight as trainable (gradients recorded) or not. */
    public void requireGradients(boolean required) {
        arrays.values().forEach(a -> a.setRequiresGradient(required));
    }

    /** A naming scope over a {@link Weights}. */
    public static final class Scope {
        private final Weights weights;
        private final String prefix;

        private Scope(Weights weights, String prefix) {
            this.weights = weights;
            this.prefix = prefix;
        }

        /** The weight {@code prefix.name}. */
        public NDArray get(String name, Shape shape, Init init) {
            return weights.get(prefix + "." + name, shape, init);
        }

        /** A nested scope {@code prefix.child}. */
        public Scope scope(String child) {
            return new Scope(weights, prefix + "." + child);
        }
    }

    private static long fnv(String name) {
        long hash = 0xcbf29ce484222325L;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            hash ^= b & 0xff;
            hash *= 0x100000001b3L;
        }
        return hash;
    }
}
