package org.diffusion4j.nonlinear;

import ai.djl.ndarray.NDArray;
import org.diffusion4j.denoise.GaussianMixture;
import org.diffusion4j.process.NoiseSchedule;

/** The score {@code ∇_x log q_t(x)} of the forward process's marginal at time t. */
public interface ScoreField {

    /** The score at x; same shape as x. */
    NDArray score(NDArray x, double t);

    /** The exact score of a Gaussian mixture carried by the Gaussian process of {@code schedule}. */
    static ScoreField exact(GaussianMixture mixture, NoiseSchedule schedule) {
        return (x, t) -> mixture.score(x, schedule.alpha(t), schedule.sigma(t));
    }
}
