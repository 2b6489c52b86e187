package org.diffusion4j.sample;

import ai.djl.ndarray.NDArray;

/** The probability-flow ODE in the EDM view (Karras et al. 2022, eq. 3 with σ(t) = t, s(t) = 1). */
final class OdeDerivative {
    private OdeDerivative() {}

    /** {@code dx/dσ = (x − D(x; σ))/σ} (k-diffusion's {@code to_d}). */
    static NDArray of(NDArray x, NDArray denoised, double sigma) {
        return x.sub(denoised).div(sigma);
    }
}
