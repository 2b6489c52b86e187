package org.diffusion4j.sample;

import org.diffusion4j.backend.NativeArrays;
import ai.djl.ndarray.NDArray;
import java.util.List;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.ShapeMismatchException;

/**
 * Noise given in advance, handed out in order: for running a sampler on noise drawn elsewhere (another library,
 * a saved run) and for checking a sampler against a reference fed the same draws.
 */
public final class ReplayNoise implements NoiseSource {
    private final List<NDArray> draws;
    private int next;

    /** Hands out {@code draws} in order; each must have the shape of the sampler's state. */
    public ReplayNoise(List<NDArray> draws) {
        this.draws = List.copyOf(draws);
    }

    /** Number of draws handed out so far. */
    public int used() {
        return next;
    }

    @Override
    public NDArray sample(NDArray like, double sigma, double sigmaNext) {
        if (next >= draws.size()) {
            throw new InvalidArgumentException("replayed noise ran out after " + draws.size() + " draws");
        }
        NDArray draw = draws.get(next++);
        if (!draw.getShape().equals(like.getShape())) {
            throw new ShapeMismatchException("replayed noise draw " + (next - 1) + " has shape " + draw.getShape()
                    + ", the state has " + like.getShape());
        }
        NDArray copy = NativeArrays.copy(draw, like.getDataType());
        copy.attach(like.getManager());
        return copy;
    }
}
