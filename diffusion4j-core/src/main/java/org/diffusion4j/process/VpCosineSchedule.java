package org.diffusion4j.process;

/**
 * The cosine schedule of Nichol &amp; Dhariwal (2021), eq. 17, in continuous time t ∈ [0, 1]:
 * {@code ᾱ(t) = f(t)/f(0)}, {@code f(t) = cos²(θ(t))}, {@code θ(t) = (t + s)/(1 + s)·π/2}; α = √ᾱ,
 * σ = √(1 − ᾱ). At t = 1 the signal vanishes (λ = −∞), so grids stay below it.
 */
public record VpCosineSchedule(double offset) implements NoiseSchedule {

    /** The paper's offset s = 0.008. */
    public VpCosineSchedule() {
        this(0.008);
    }

    public VpCosineSchedule {
        if (!(offset > 0 && offset < 1)) {
            throw new IllegalArgumentException("cosine schedule offset must lie in (0, 1), got " + offset);
        }
    }

    @Override
    public String name() {
        return "vp-cosine";
    }

    private double theta(double t) {
        return (t + offset) / (1 + offset) * Math.PI / 2;
    }

    private double dThetaDt() {
        return Math.PI / 2 / (1 + offset);
    }

    @Override
    public double alpha(double t) {
        return Math.cos(theta(t)) / Math.cos(theta(0));
    }

    /** σ² = (cos²θ₀ − cos²θ)/cos²θ₀ = sin(θ − θ₀)·sin(θ + θ₀)/cos²θ₀, free of cancellation near t = 0. */
    @Override
    public double sigma(double t) {
        double theta0 = theta(0);
        double dTheta = t / (1 + offset) * Math.PI / 2;
        return Math.sqrt(Math.sin(dTheta) * Math.sin(theta(t) + theta0)) / Math.cos(theta0);
    }

    @Override
    public double alphaDerivative(double t) {
        return -Math.sin(theta(t)) * dThetaDt() / Math.cos(theta(0));
    }

    @Override
    public double sigmaDerivative(double t) {
        return -alpha(t) * alphaDerivative(t) / sigma(t);
    }

    @Override
    public double minTime() {
        return 0.0;
    }

    @Override
    public double maxTime() {
        return 1.0;
    }

    /**
     * Closed form. With α² = sigmoid(2λ) and σ² = sigmoid(−2λ), θ − θ₀ = atan2(cosθ₀·σ²/(S + α·sinθ₀),
     * α·cos²θ₀ + sinθ₀·S), where S = √(sin²θ₀ + σ²cos²θ₀) = sin θ: both arguments are sums of positive terms.
     */
    @Override
    public double timeOfLambda(double lambda) {
        double alpha = Math.sqrt(LogMath.sigmoid(2 * lambda));
        double sigmaSq = LogMath.sigmoid(-2 * lambda);
        double theta0 = theta(0);
        double sin0 = Math.sin(theta0);
        double cos0 = Math.cos(theta0);
        double sinTheta = Math.sqrt(sin0 * sin0 + sigmaSq * cos0 * cos0);
        double dTheta = Math.atan2(cos0 * sigmaSq / (sinTheta + alpha * sin0), alpha * cos0 * cos0 + sin0 * sinTheta);
        return dTheta / dThetaDt();
    }
}
