package org.diffusion4j.process;

import java.util.Arrays;
import org.diffusion4j.InvalidArgumentException;

/**
 * A discrete DDPM chain (Ho et al. 2020) with betas β_0 … β_{N−1} and ᾱ_j = ∏_{i≤j}(1 − β_i), exposed in
 * continuous time the way k-diffusion's {@code DiscreteSchedule} does: time is the fractional timestep
 * τ ∈ [0, N − 1] (diffusers' and k-diffusion's index), and log σ̃ is linear between the training levels
 * σ̃_j = √((1 − ᾱ_j)/ᾱ_j). Then α = (1 + σ̃²)^{−½} and σ = σ̃·α, as for every variance-preserving chain.
 */
public final class DiscreteSchedule implements NoiseSchedule {
    private final String name;
    private final double[] logSigmas;

    private DiscreteSchedule(String name, double[] betas) {
        if (betas.length < 2) {
            throw new InvalidArgumentException("a discrete schedule needs at least 2 betas, got " + betas.length);
        }
        this.name = name;
        this.logSigmas = new double[betas.length];
        double logAlphaBar = 0;
        for (int j = 0; j < betas.length; j++) {
            if (!(betas[j] > 0 && betas[j] < 1)) {
                throw new InvalidArgumentException("beta[" + j + "] must lie in (0, 1), got " + betas[j]);
            }
            logAlphaBar += Math.log1p(-betas[j]);
            // σ̃² = (1 − ᾱ)/ᾱ = e^{−log ᾱ} − 1
            logSigmas[j] = 0.5 * Math.log(Math.expm1(-logAlphaBar));
        }
    }

    /** A chain with the given betas, named {@code name}. */
    public static DiscreteSchedule ofBetas(String name, double[] betas) {
        return new DiscreteSchedule(name, betas.clone());
    }

    /** DDPM's linear betas from {@code betaStart} to {@code betaEnd} over {@code steps} (1e-4 … 0.02, 1000). */
    public static DiscreteSchedule linear(double betaStart, double betaEnd, int steps) {
        checkSteps(steps);
        double[] betas = new double[steps];
        for (int j = 0; j < steps; j++) {
            betas[j] = betaStart + (betaEnd - betaStart) * j / (steps - 1);
        }
        return new DiscreteSchedule("ddpm-linear", betas);
    }

    /** Latent diffusion's "scaled linear" betas: linear in √β (0.00085 … 0.012 over 1000 in Stable Diffusion). */
    public static DiscreteSchedule scaledLinear(double betaStart, double betaEnd, int steps) {
        checkSteps(steps);
        double[] betas = new double[steps];
        double a = Math.sqrt(betaStart);
        double b = Math.sqrt(betaEnd);
        for (int j = 0; j < steps; j++) {
            double root = a + (b - a) * j / (steps - 1);
            betas[j] = root * root;
        }
        return new DiscreteSchedule("ddpm-scaled-linear", betas);
    }

    /**
     * The cosine betas of Nichol &amp; Dhariwal (2021), eq. 17 with s = 0.008, as diffusers' {@code
     * squaredcos_cap_v2}: β_j = min(1 − ᾱ((j+1)/N)/ᾱ(j/N), 0.999).
     */
    public static DiscreteSchedule squaredCosCapV2(int steps) {
        checkSteps(steps);
        double[] betas = new double[steps];
        for (int j = 0; j < steps; j++) {
            double t1 = (double) j / steps;
            double t2 = (double) (j + 1) / steps;
            betas[j] = Math.min(1 - cosineAlphaBar(t2) / cosineAlphaBar(t1), 0.999);
        }
        return new DiscreteSchedule("ddpm-cosine", betas);
    }

    /**
     * The schedule of Li, Huang, Efimov, Wei, Chi &amp; Chen (2024) under which their accelerated samplers'
     * rates are proved: β_1 = T^{−c0} and β_{t+1} = (c1·log T/T)·min{β_1(1 + c1·log T/T)^t, 1}, so the betas grow
     * geometrically from T^{−c0} and then stay at c1·log T/T. Every β must stay below 1 (T large enough for c1).
     */
    public static DiscreteSchedule accelerated(int steps, double c0, double c1) {
        if (steps < 2 || !(c0 > 0 && c1 > 0)) {
            throw new InvalidArgumentException("the accelerated schedule needs T ≥ 2, c0 > 0 and c1 > 0, got T = "
                    + steps + ", c0 = " + c0 + ", c1 = " + c1);
        }
        double rate = c1 * Math.log(steps) / steps;
        double first = Math.pow(steps, -c0);
        double[] betas = new double[steps];
        betas[0] = first;
        for (int t = 1; t < steps; t++) {
            betas[t] = rate * Math.min(first * Math.pow(1 + rate, t), 1);
        }
        return new DiscreteSchedule("accelerated-theory", betas);
    }

    private static void checkSteps(int steps) {
        if (steps < 2) {
            throw new InvalidArgumentException("a discrete schedule needs at least 2 steps, got " + steps);
        }
    }

    private static double cosineAlphaBar(double t) {
        double c = Math.cos((t + 0.008) / 1.008 * Math.PI / 2);
        return c * c;
    }

    /** Number of training levels N. */
    public int size() {
        return logSigmas.length;
    }

    /** The training levels σ̃_j = √((1 − ᾱ_j)/ᾱ_j), j = 0 … N − 1. */
    public double[] trainingSigmas() {
        return Arrays.stream(logSigmas).map(Math::exp).toArray();
    }

    @Override
    public String name() {
        return name;
    }

    private double logEdmSigma(double t) {
        checkTime(t);
        int low = (int) Math.floor(t);
        if (low >= logSigmas.length - 1) {
            return logSigmas[logSigmas.length - 1];
        }
        double w = t - low;
        return (1 - w) * logSigmas[low] + w * logSigmas[low + 1];
    }

    /** d log σ̃/dτ: the slope of the segment τ lies on (the right-hand one at a node). */
    private double logEdmSigmaSlope(double t) {
        checkTime(t);
        int low = Math.min((int) Math.floor(t), logSigmas.length - 2);
        return logSigmas[low + 1] - logSigmas[low];
    }

    private void checkTime(double t) {
        if (!(t >= 0 && t <= logSigmas.length - 1)) {
            throw new InvalidArgumentException(
                    name + " time must lie in [0, " + (logSigmas.length - 1) + "], got " + t);
        }
    }

    @Override
    public double edmSigma(double t) {
        return Math.exp(logEdmSigma(t));
    }

    @Override
    public double alpha(double t) {
        double s = edmSigma(t);
        return 1 / Math.sqrt(1 + s * s);
    }

    @Override
    public double sigma(double t) {
        double s = edmSigma(t);
        return s / Math.sqrt(1 + s * s);
    }

    /** α = (1 + σ̃²)^{−½}, so dα/dτ = −σ̃·(dσ̃/dτ)·α³. */
    @Override
    public double alphaDerivative(double t) {
        double s = edmSigma(t);
        double alpha = alpha(t);
        return -s * s * logEdmSigmaSlope(t) * alpha * alpha * alpha;
    }

    /** σ = σ̃·α, so dσ/dτ = (dσ̃/dτ)·α³. */
    @Override
    public double sigmaDerivative(double t) {
        double alpha = alpha(t);
        return edmSigma(t) * logEdmSigmaSlope(t) * alpha * alpha * alpha;
    }

    @Override
    public double minTime() {
        return 0.0;
    }

    @Override
    public double maxTime() {
        return logSigmas.length - 1;
    }

    @Override
    public double lambda(double t) {
        return -logEdmSigma(t);
    }

    /** Piecewise-linear inverse in log σ̃, as k-diffusion's {@code sigma_to_t}. */
    @Override
    public double timeOfLambda(double lambda) {
        double logSigma = -lambda;
        int last = logSigmas.length - 1;
        double tolerance = 1e-12 * (logSigmas[last] - logSigmas[0]);
        if (logSigma < logSigmas[0] - tolerance || logSigma > logSigmas[last] + tolerance) {
            throw new InvalidArgumentException(String.format(
                    "%s covers σ̃ in [%.6g, %.6g]; σ̃ = %.6g is outside", name, Math.exp(logSigmas[0]),
                    Math.exp(logSigmas[last]), Math.exp(logSigma)));
        }
        int index = Arrays.binarySearch(logSigmas, logSigma);
        if (index >= 0) {
            return index;
        }
        int high = Math.min(Math.max(-index - 1, 1), last);
        int low = high - 1;
        double w = (logSigma - logSigmas[low]) / (logSigmas[high] - logSigmas[low]);
        return low + Math.min(Math.max(w, 0), 1);
    }
}
