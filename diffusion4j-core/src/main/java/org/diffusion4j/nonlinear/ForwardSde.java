package org.diffusion4j.nonlinear;

import ai.djl.ndarray.NDArray;

/** A forward diffusion {@code dX = f_t(X) dt + g_t dB} in its own time t (data at t = 0). */
public interface ForwardSde {

    /** The drift f_t(x); same shape as x. */
    NDArray drift(NDArray x, double t);

    /** The diffusion coefficient g_t. */
    double diffusion(double t);
}
