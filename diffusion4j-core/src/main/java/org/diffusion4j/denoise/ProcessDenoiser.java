package org.diffusion4j.denoise;

import ai.djl.ndarray.NDArray;
import org.diffusion4j.process.NoiseSchedule;

/**
 * A denoiser in its own process's coordinates: {@code x̂_0 = D(x_t, t)} for
 * {@code x_t = α(t)·x_0 + σ(t)·ε}. This is what a network trained on a VP, flow or EDM process gives once its
 * output is converted by a {@link Parameterization}.
 */
public interface ProcessDenoiser {

    /** The process the denoiser was built for. */
    NoiseSchedule schedule();

    /** The estimate of x_0 for the batch {@code xt} at time {@code t}. */
    NDArray denoise(NDArray xt, double t);

    /** The same denoiser seen from the EDM view, as samplers call it. */
    default Denoiser edmView() {
        return new EdmView(this);
    }
}
