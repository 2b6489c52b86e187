package org.diffusion4j.process;

/**
 * The linear interpolant of flow matching and rectified flow (Lipman et al. 2023; Liu et al. 2023; SiT's
 * "Linear"): α = 1 − t, σ = t on t ∈ [0, 1], so λ = log((1 − t)/t) and t(λ) = 1/(1 + e^λ).
 */
public record LinearInterpolantSchedule() implements NoiseSchedule {

    @Override
    public String name() {
        return "linear";
    }

    @Override
    public double alpha(double t) {
        return 1 - t;
    }

    @Override
    public double sigma(double t) {
        return t;
    }

    @Override
    public double alphaDerivative(double t) {
        return -1.0;
    }

    @Override
    public double sigmaDerivative(double t) {
        return 1.0;
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
        return Math.log1p(-t) - Math.log(t);
    }

    @Override
    public double timeOfLambda(double lambda) {
        return LogMath.sigmoid(-lambda);
    }

    @Override
    public double timeOfEdmSigma(double edmSigma) {
        return edmSigma / (1 + edmSigma);
    }
}
