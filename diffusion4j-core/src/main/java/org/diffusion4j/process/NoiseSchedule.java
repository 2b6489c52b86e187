package org.diffusion4j.process;

/**
 * A Gaussian forward process {@code x_t = α(t)·x_0 + σ(t)·ε}, data at small {@code t}, noise at large {@code t}.
 *
 * <p>Besides α, σ and their time derivatives, a schedule gives the half log-SNR {@code λ(t) = log(α/σ)}, strictly
 * decreasing in {@code t}, and its inverse {@link #timeOfLambda}. The EDM view ({@code x̃ = x/α},
 * {@code σ̃ = σ/α = e^{−λ}}, Karras et al. 2022, eq. 4) maps every schedule onto the same variance-exploding
 * problem {@code x̃ = x_0 + σ̃·ε}: samplers work in that view and schedules only enter through
 * {@link #edmSigma} and {@link #timeOfEdmSigma}.
 */
public interface NoiseSchedule {

    /** The name the registry knows this schedule by, e.g. {@code vp}. */
    String name();

    /** Signal scale α(t). */
    double alpha(double t);

    /** Noise scale σ(t). */
    double sigma(double t);

    /** dα/dt. */
    double alphaDerivative(double t);

    /** dσ/dt. */
    double sigmaDerivative(double t);

    /** Smallest time of the domain (the data end; λ is largest there). */
    double minTime();

    /** Largest time of the domain (the noise end). */
    double maxTime();

    /** Half log-SNR λ(t) = log(α(t)/σ(t)); +∞ where σ = 0. */
    default double lambda(double t) {
        return Math.log(alpha(t)) - Math.log(sigma(t));
    }

    /**
     * The time with {@code λ(t) = lambda}. Schedules with a closed form override this; the default finds the root
     * of the monotone λ(t) on the domain by bracketed bisection to full double precision.
     */
    default double timeOfLambda(double lambda) {
        return MonotoneInverse.decreasing(this::lambda, minTime(), maxTime(), lambda, name() + " λ(t)");
    }

    /** The EDM-view noise level σ̃(t) = σ(t)/α(t) = e^{−λ(t)}. */
    default double edmSigma(double t) {
        return sigma(t) / alpha(t);
    }

    /** The time whose EDM-view noise level is {@code edmSigma} ({@code > 0}). */
    default double timeOfEdmSigma(double edmSigma) {
        return timeOfLambda(-Math.log(edmSigma));
    }
}
