package org.diffusion4j.nonlinear;

import ai.djl.ndarray.NDArray;
import org.diffusion4j.process.NoiseSchedule;

/**
 * The linear SDE whose marginals are those of a Gaussian process {@code x_t = α(t)·x_0 + σ(t)·ε} (Song et al. 2021;
 * Kingma et al. 2021, eq. 17): {@code f_t(x) = (α′/α)·x} and {@code g_t² = dσ²/dt − 2(α′/α)σ²}. VP with constant
 * β = 2 is the Ornstein–Uhlenbeck process dX = −X dt + √2 dB.
 *
 * @param schedule α(t) and σ(t)
 */
public record LinearSde(NoiseSchedule schedule) implements ForwardSde {

    private double logAlphaRate(double t) {
        return schedule.alphaDerivative(t) / schedule.alpha(t);
    }

    @Override
    public NDArray drift(NDArray x, double t) {
        return x.mul(logAlphaRate(t));
    }

    @Override
    public double diffusion(double t) {
        double sigma = schedule.sigma(t);
        return Math.sqrt(2 * sigma * schedule.sigmaDerivative(t) - 2 * logAlphaRate(t) * sigma * sigma);
    }
}
