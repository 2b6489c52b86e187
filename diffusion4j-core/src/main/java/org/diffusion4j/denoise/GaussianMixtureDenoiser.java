package org.diffusion4j.denoise;

import ai.djl.ndarray.NDArray;
import org.diffusion4j.backend.Differentiable;
import org.diffusion4j.process.NoiseSchedule;

/** The exact posterior mean, score and noised log-density of a {@link GaussianMixture} under a process. */
@Differentiable
public record GaussianMixtureDenoiser(GaussianMixture mixture, NoiseSchedule schedule) implements ProcessDenoiser {

    @Override
    public NDArray denoise(NDArray xt, double t) {
        return mixture.posteriorMean(xt, schedule.alpha(t), schedule.sigma(t));
    }

    /** The exact score {@code ∇ log p_t(x_t)}. */
    public NDArray score(NDArray xt, double t) {
        return mixture.score(xt, schedule.alpha(t), schedule.sigma(t));
    }

    /** The exact log-density {@code log p_t(x_t)}, one value per sample. */
    public NDArray logDensity(NDArray xt, double t) {
        return mixture.logDensity(xt, schedule.alpha(t), schedule.sigma(t));
    }
}
