package org.diffusion4j.backend;

/**
 * Forces collections the way a long run meets them: allocations large enough to need room, each followed by a
 * {@code System.gc()}. Tests of memory that Java could free under the engine's feet (arrays made from Java data,
 * arrays whose handles were closed) call it between making an array and reading it.
 */
public final class GarbagePressure {
    private GarbagePressure() {}

    /** {@code rounds} rounds of a {@code bytes}-sized allocation and a full collection. */
    public static void collect(int rounds, int bytes) {
        for (int i = 0; i < rounds; i++) {
            byte[] pressure = new byte[bytes];
            pressure[i] = 1;
            System.gc();
        }
    }
}
