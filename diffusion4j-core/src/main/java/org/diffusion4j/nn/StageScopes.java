package org.diffusion4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.function.UnaryOperator;

/**
 * The per-stage scopes of one forward pass (a U-Net stage, a transformer block), or none (every intermediate kept)
 * when not {@code free}. A stage's temporaries are closed when it ends; closing an array releases its handle, and
 * libtorch frees the memory only once autograd keeps no reference to it, so what backward needs stays in the graph.
 * That is safe only because every array a stage makes is engine-owned ({@code GarbageCollectionGuardTest},
 * {@code ScopedForwardTest}).
 *
 * @param shared the array every stage reads besides its input (the embedding, the conditioning)
 * @param free whether stages run in scopes
 */
record StageScopes(NDArray shared, boolean free) {

    /**
     * {@code body(in)} with every array it creates in a sub-manager of {@code in}'s manager that is closed after;
     * the result moves to {@code in}'s manager. {@code in}, the shared array and {@code other} (a second input, such
     * as the skip a U-Net decoder stage concatenates, or null) are lent to the sub-manager and return to their
     * managers when it closes.
     */
    NDArray run(NDArray in, NDArray other, UnaryOperator<NDArray> body) {
        if (!free) {
            return body.apply(in);
        }
        NDManager home = in.getManager();
        try (NDManager scope = home.newSubManager()) {
            in.tempAttach(scope);
            shared.tempAttach(scope);
            if (other != null && other != in) {
                other.tempAttach(scope);
            }
            NDArray out = body.apply(in);
            out.attach(home);
            return out;
        }
    }

    /** Frees an intermediate that no later stage reads (never the caller's input, nor one of {@code kept}). */
    void release(NDArray array, Iterable<NDArray> kept) {
        if (!free) {
            return;
        }
        for (NDArray k : kept) {
            if (k == array) {
                return;
            }
        }
        array.close();
    }
}
