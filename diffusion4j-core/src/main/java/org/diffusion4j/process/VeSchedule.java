package org.diffusion4j.process;

/**
 * Variance exploding, in the EDM parameterization (Karras et al. 2022, Table 1): α = 1, σ = t. Time is the noise
 * level itself, so this is the view every sampler works in.
 */
public record VeSchedule() implements NoiseSchedule {

    @Override
    public String name() {
        return "edm";
    }

    @Override
    public double alpha(double t) {
        return 1.0;
    }

    @Override
    public double sigma(double t) {
        return t;
    }

    @Override
    public double alphaDerivative(double t) {
        return 0.0;
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
        return Double.POSITIVE_INFINITY;
    }

    @Override
    public double lambda(double t) {
        return -Math.log(t);
    }

    @Override
    public double timeOfLambda(double lambda) {
        return Math.exp(-lambda);
    }

    @Override
    public double edmSigma(double t) {
        return t;
    }

    @Override
    public double timeOfEdmSigma(double edmSigma) {
        return edmSigma;
    }
}
