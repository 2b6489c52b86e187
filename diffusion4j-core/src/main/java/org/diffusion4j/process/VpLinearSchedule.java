package org.diffusion4j.process;

/**
 * The continuous variance-preserving process of Song et al. (2021), eq. 32–33, with a linear β(t) from
 * {@code betaMin} to {@code betaMax} on t ∈ [0, 1]: {@code log α(t) = −¼t²(β_max − β_min) − ½tβ_min},
 * {@code σ = √(1 − α²)}. With β_min = β_max = 2 it is the Ornstein–Uhlenbeck process dX = −X dt + √2 dB
 * (α = e^{−t}).
 */
public record VpLinearSchedule(double betaMin, double betaMax) implements NoiseSchedule {

    /** β from 0.1 to 20, as in Song et al. and EDM's VP configuration. */
    public VpLinearSchedule() {
        this(0.1, 20.0);
    }

    public VpLinearSchedule {
        if (!(betaMin >= 0 && betaMax >= betaMin && betaMax > 0)) {
            throw new org.diffusion4j.InvalidArgumentException("need 0 ≤ β_min ≤ β_max and β_max > 0, got "
                    + betaMin + ", " + betaMax);
        }
    }

    @Override
    public String name() {
        return "vp";
    }

    private double logAlpha(double t) {
        return -0.25 * t * t * (betaMax - betaMin) - 0.5 * t * betaMin;
    }

    private double logAlphaDerivative(double t) {
        return -0.5 * t * (betaMax - betaMin) - 0.5 * betaMin;
    }

    @Override
    public double alpha(double t) {
        return Math.exp(logAlpha(t));
    }

    @Override
    public double sigma(double t) {
        return Math.sqrt(-Math.expm1(2 * logAlpha(t)));
    }

    @Override
    public double alphaDerivative(double t) {
        return alpha(t) * logAlphaDerivative(t);
    }

    @Override
    public double sigmaDerivative(double t) {
        double alpha = alpha(t);
        return -alpha * alpha * logAlphaDerivative(t) / sigma(t);
    }

    @Override
    public double minTime() {
        return 0.0;
    }

    @Override
    public double maxTime() {
        return 1.0;
    }

    @Override
    public double lambda(double t) {
        double logAlpha = logAlpha(t);
        return logAlpha - 0.5 * Math.log(-Math.expm1(2 * logAlpha));
    }

    /** Closed form: with {@code c = −log α = ½·log(1 + e^{−2λ})}, t is the positive root of ¼Δβ t² + ½β_min t = c. */
    @Override
    public double timeOfLambda(double lambda) {
        double fourC = 2 * LogMath.log1pExp(-2 * lambda);
        return fourC / (Math.sqrt(betaMin * betaMin + (betaMax - betaMin) * fourC) + betaMin);
    }
}
