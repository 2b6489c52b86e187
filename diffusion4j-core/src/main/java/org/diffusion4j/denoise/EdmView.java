package org.diffusion4j.denoise;

import ai.djl.ndarray.NDArray;
import org.diffusion4j.backend.Differentiable;
import org.diffusion4j.backend.Scalars;
import org.diffusion4j.process.NoiseSchedule;

/**
 * The EDM view of a process denoiser (Karras et al. 2022, eq. 4 and Table 1): since
 * {@code x_t/α(t) = x_0 + σ̃·ε} with {@code σ̃ = σ(t)/α(t)}, the EDM-view denoiser is
 * {@code D̃(x̃; σ̃) = D(α(t)·x̃, t)} at the time {@code t} with {@code σ(t)/α(t) = σ̃}. Samplers run on x̃; the
 * final state at σ̃ = 0 is the data itself, whatever the process.
 */
@Differentiable
public record EdmView(ProcessDenoiser process) implements Denoiser {

    @Override
    public NDArray denoise(NDArray x, double sigma) {
        NoiseSchedule schedule = process.schedule();
        double t = schedule.timeOfEdmSigma(sigma);
        double alpha = schedule.alpha(t);
        return process.denoise(alpha == 1.0 ? x : Scalars.times(x, alpha), t);
    }
}
