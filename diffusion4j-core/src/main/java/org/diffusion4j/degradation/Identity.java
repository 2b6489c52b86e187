package org.diffusion4j.degradation;

import ai.djl.ndarray.NDArray;
import org.diffusion4j.backend.Differentiable;

/** No corruption besides the noise: the Gaussian process, under which restoration–degradation sampling is DDIM. */
@Differentiable
public record Identity() implements Degradation {

    @Override
    public NDArray apply(NDArray x0, double sigma) {
        return x0.duplicate();
    }

    @Override
    public NDArray apply(NDArray x0, double[] sigmas) {
        return x0.duplicate();
    }

    @Override
    public String spec() {
        return "none";
    }

    @Override
    public boolean isIdentity() {
        return true;
    }
}
