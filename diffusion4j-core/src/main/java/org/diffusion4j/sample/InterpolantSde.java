package org.diffusion4j.sample;

import ai.djl.ndarray.NDArray;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.SpecOptions;
import org.diffusion4j.denoise.Denoiser;
import org.diffusion4j.grid.Grid;
import org.diffusion4j.process.NoiseSchedule;

/**
 * The SDE sampler of SiT (Ma et al. 2024, Section 2.3, eq. 8; code {@code transport.Sampler.sample_sde}): for any
 * diffusion coefficient w(t) ≥ 0, the reverse-time SDE
 * <pre>
 * dX = [u(X, t) − w(t)·s(X, t)] dt + √(2w(t)) dW̄
 * </pre>
 * (data at t = 0, integrated from noise towards it; u = α′x̂_0 + σ′ε̂ the velocity, s = −ε̂/σ the score) has the
 * process's marginals whatever w is, so w is chosen after training. SiT's code runs time the other way (τ = 1 − t);
 * the forms below are written in its τ, as its {@code compute_diffusion} defines them, with n the diffusion norm:
 * constant n; SBDM n·λ (λ = σσ′ − (α′/α)σ², half the squared diffusion of the process's own SDE, so SBDM is the
 * score-SDE sampler); sigma n·σ; linear n·(1 − τ); decreasing ¼(n·cos πτ + 1)²; increasing-decreasing n·sin²(πτ).
 *
 * <p>Each step from t to t − h is Euler–Maruyama, or with {@code heun} SiT's Heun step (noise first, then the
 * trapezoid on the drift, two calls). The grid's levels are mapped to the process's times (a {@code uniform-t} grid
 * gives SiT's {@code linspace}); a final step to σ = 0 is SiT's last step, without noise: {@code mean} (the drift
 * over the remaining time), {@code tweedie} (the denoiser's x̂_0) or {@code euler} (the probability-flow drift).
 *
 * @param schedule the process the model was trained on
 * @param w the diffusion coefficient's form
 * @param norm SiT's {@code diffusion_norm}
 * @param last the last step
 * @param heun Heun instead of Euler–Maruyama
 */
public record InterpolantSde(NoiseSchedule schedule, Diffusion w, double norm, LastStep last, boolean heun)
        implements SteppedSampler {

    public InterpolantSde {
        if (!(norm >= 0)) {
            throw new InvalidArgumentException("sit-sde norm must be non-negative, got " + norm);
        }
    }

    /** SiT's diffusion-coefficient forms ({@code compute_diffusion}). */
    public enum Diffusion {
        CONSTANT, SBDM, SIGMA, LINEAR, DECREASING, INCREASING_DECREASING;

        /** Parses SiT's names ({@code constant}, {@code SBDM}, …, {@code increasing-decreasing}). */
        public static Diffusion parse(String name) {
            return SpecOptions.enumByName("diffusion form", name, Diffusion.class);
        }

        /** SiT's name. */
        public String label() {
            return SpecOptions.label(this);
        }
    }

    /** SiT's last step to the data. */
    public enum LastStep {
        MEAN, TWEEDIE, EULER
    }

    @Override
    public String name() {
        return "sit-sde";
    }

    @Override
    public boolean isStochastic() {
        return norm > 0 || w == Diffusion.DECREASING;
    }

    @Override
    public int evaluationsPerStep() {
        return heun ? 2 : 1;
    }

    /** w(t) in the process's time t (data at 0). */
    public double diffusion(double t) {
        double tau = 1 - t;
        return switch (w) {
            case CONSTANT -> norm;
            case SBDM -> {
                double sigma = schedule.sigma(t);
                yield norm * (sigma * schedule.sigmaDerivative(t)
                        - schedule.alphaDerivative(t) / schedule.alpha(t) * sigma * sigma);
            }
            case SIGMA -> norm * schedule.sigma(t);
            case LINEAR -> norm * (1 - tau);
            case DECREASING -> {
                double c = norm * Math.cos(Math.PI * tau) + 1;
                yield 0.25 * c * c;
            }
            case INCREASING_DECREASING -> {
                double s = Math.sin(Math.PI * tau);
                yield norm * s * s;
            }
        };
    }

    /** The state x_t (process coordinates) and what the denoiser says there. */
    private record Fields(NDArray velocity, NDArray score, NDArray denoised) {}

    private Fields fields(Step step, NDArray x, double t) {
        double alpha = schedule.alpha(t);
        double sigma = schedule.sigma(t);
        NDArray denoised = step.denoise(x.div(alpha), sigma / alpha);
        NDArray epsilon = x.sub(denoised.mul(alpha)).div(sigma);
        NDArray velocity = denoised.mul(schedule.alphaDerivative(t)).add(epsilon.mul(schedule.sigmaDerivative(t)));
        return new Fields(velocity, epsilon.div(-sigma), denoised);
    }

    /** The drift of the SDE in t → t − h form: x_{t−h} = x + h·drift + noise. */
    private NDArray drift(Fields f, double t) {
        return f.score().mul(diffusion(t)).sub(f.velocity());
    }

    /** Runs in the process's coordinates x_t = α(t)·x̃, so the loop's state is scaled at both ends. */
    @Override
    public NDArray sample(Denoiser denoiser, NDArray input, Grid grid, NoiseSource noise, StepCallback callback) {
        double end = time(grid.sigma(grid.steps()));
        try (NDArray start = input.mul(schedule.alpha(time(grid.sigma(0))))) {
            NDArray x = SteppedSampler.super.sample(denoiser, start, grid, noise, callback);
            if (end == 0) {
                return x;
            }
            NDArray scaled = x.div(schedule.alpha(end));
            x.close();
            return scaled;
        }
    }

    @Override
    public NDArray step(Step step, NDArray x) {
        double t = time(step.sigma());
        double h = t - time(step.next());
        if (step.next() == 0) {
            Fields here = fields(step, x, t);
            return switch (last) {
                case MEAN -> x.add(drift(here, t).mul(h));
                case TWEEDIE -> here.denoised();
                case EULER -> x.sub(here.velocity().mul(h));
            };
        }
        NDArray z = step.noise(x, step.sigma(), step.next()).mul(Math.sqrt(2 * diffusion(t) * h));
        if (!heun) {
            return x.add(drift(fields(step, x, t), t).mul(h)).add(z);
        }
        NDArray noised = x.add(z);
        NDArray k1 = drift(fields(step, noised, t), t);
        NDArray predicted = noised.add(k1.mul(h));
        NDArray k2 = drift(fields(step, predicted, t - h), t - h);
        return noised.add(k1.add(k2).mul(h / 2));
    }

    /** The process time of EDM level σ̃ (0 at the data). */
    private double time(double sigma) {
        return sigma == 0 ? 0 : schedule.timeOfEdmSigma(sigma);
    }
}
