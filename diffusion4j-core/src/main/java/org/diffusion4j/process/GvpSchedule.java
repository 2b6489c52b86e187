package org.diffusion4j.process;

/**
 * The generalized variance-preserving interpolant of SiT (Ma et al. 2024, Table 1; Albergo &amp; Vanden-Eijnden
 * 2023): α = cos(πt/2), σ = sin(πt/2) on t ∈ [0, 1], so σ̃ = tan(πt/2) and t(λ) = (2/π)·atan(e^{−λ}).
 */
public record GvpSchedule() implements NoiseSchedule {

    @Override
    public String name() {
        return "gvp";
    }

    @Override
    public double alpha(double t) {
        return Math.cos(Math.PI * t / 2);
    }

    @Override
    public double sigma(double t) {
        return Math.sin(Math.PI * t / 2);
    }

    @Override
    public double alphaDerivative(double t) {
        return -Math.PI / 2 * Math.sin(Math.PI * t / 2);
    }

    @Override
    public double sigmaDerivative(double t) {
        return Math.PI / 2 * Math.cos(Math.PI * t / 2);
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
        return -Math.log(Math.tan(Math.PI * t / 2));
    }

    @Override
    public double timeOfLambda(double lambda) {
        return 2 / Math.PI * Math.atan(Math.exp(-lambda));
    }

    @Override
    public double edmSigma(double t) {
        return Math.tan(Math.PI * t / 2);
    }
}
