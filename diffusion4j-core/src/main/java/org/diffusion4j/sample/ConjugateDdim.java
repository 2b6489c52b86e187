package org.diffusion4j.sample;

import ai.djl.ndarray.NDArray;
import org.apache.commons.math3.analysis.integration.IterativeLegendreGaussIntegrator;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.process.NoiseSchedule;

/**
 * λ-DDIM, the conjugate integrator of Pandey et al. (2024, "Efficient integrators for diffusion generative models",
 * Section 3) with B_t = λI for a Gaussian process: the probability flow is transformed by
 * {@code A_t = e^{λt}/α_t}, integrated by Euler in the transformed coordinates, and mapped back. In the EDM view
 * (x̃ = x/α, σ̃ = σ/α, process times t → s = t − h):
 * <pre>
 * x̃_s = (1 − λh)·e^{λh}·x̃_t + e^{−λs}(Φ_s − Φ_t)·ε̂,   Φ_t = ∫₀ᵗ e^{λu} dσ̃(u),   ε̂ = (x̃_t − D(x̃_t; σ̃_t))/σ̃_t
 * e^{−λs}(Φ_s − Φ_t) = σ̃_s − e^{λh}σ̃_t + λ∫_s^t e^{λ(u − s)}σ̃(u) du
 * </pre>
 * (the integral by Gauss–Legendre quadrature). λ = 0 is DDIM exactly (their Proposition 1); λ &gt; 0 damps the
 * state's coefficient by (1 − λh)e^{λh} = 1 − λ²h²/2 + … and reweights the noise term, which stabilizes large steps;
 * the best λ falls as the number of steps grows. The times are the process's own, so the sampler needs the model's
 * schedule. The step to σ̃ = 0 returns the denoiser's estimate (the Tweedie step), as DDIM's does.
 *
 * @param schedule the model's process
 * @param lambda λ ≥ 0
 */
public record ConjugateDdim(NoiseSchedule schedule, double lambda) implements SteppedSampler {

    public ConjugateDdim {
        if (!(lambda >= 0)) {
            throw new InvalidArgumentException("conjugate-ddim lambda must be non-negative, got " + lambda);
        }
    }

    @Override
    public String name() {
        return "conjugate-ddim";
    }

    /** The coefficients (of x̃_t, of ε̂) of the step from EDM level {@code sigma} to {@code next} &gt; 0. */
    double[] coefficients(double sigma, double next) {
        double t = schedule.timeOfEdmSigma(sigma);
        double s = schedule.timeOfEdmSigma(next);
        double h = t - s;
        double growth = Math.exp(lambda * h);
        double integral = lambda == 0 ? 0 : new IterativeLegendreGaussIntegrator(8, 1e-13, 1e-15).integrate(
                10_000, u -> Math.exp(lambda * (u - s)) * schedule.edmSigma(u), s, t);
        return new double[] {(1 - lambda * h) * growth, next - growth * sigma + lambda * integral};
    }

    @Override
    public NDArray step(Step step, NDArray x) {
        double sigma = step.sigma();
        NDArray denoised = step.denoise(x, sigma);
        if (step.next() == 0) {
            return denoised;
        }
        double[] c = coefficients(sigma, step.next());
        return x.mul(c[0]).add(x.sub(denoised).div(sigma).mul(c[1]));
    }
}
