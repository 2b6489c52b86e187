package org.diffusion4j.grid;

import java.util.Arrays;

/**
 * The noise levels one sampling run walks: {@code σ_0 > σ_1 > … > σ_N ≥ 0} in the EDM view (σ = σ(t)/α(t) of the
 * process, k-diffusion's {@code sigmas}). All levels are positive and finite except that the last may be exactly
 * zero, in which case the last step lands on the data.
 */
public final class Grid {
    private final double[] sigmas;

    private Grid(double[] sigmas) {
        if (sigmas.length < 2) {
            throw new InvalidGridException("a grid needs at least 2 noise levels (one step), got " + sigmas.length);
        }
        for (int i = 0; i < sigmas.length; i++) {
            double s = sigmas[i];
            if (Double.isNaN(s) || Double.isInfinite(s)) {
                throw new InvalidGridException("grid σ[" + i + "] = " + s + " is not finite");
            }
            if (s < 0) {
                throw new InvalidGridException("grid σ[" + i + "] = " + s + " is negative; noise levels must be ≥ 0");
            }
            if (s == 0 && i < sigmas.length - 1) {
                throw new InvalidGridException("grid σ[" + i + "] = 0 before the last level; only the last may be 0");
            }
            if (i > 0 && !(s < sigmas[i - 1])) {
                throw new InvalidGridException("grid must be strictly decreasing, but σ[" + i + "] = " + s
                        + " ≥ σ[" + (i - 1) + "] = " + sigmas[i - 1]);
            }
        }
        this.sigmas = sigmas;
    }

    /** A grid through exactly these levels (validated). */
    public static Grid of(double... sigmas) {
        return new Grid(sigmas.clone());
    }

    /** Number of steps N (levels minus one). */
    public int steps() {
        return sigmas.length - 1;
    }

    /** Level σ_i, i = 0 … N. */
    public double sigma(int i) {
        return sigmas[i];
    }

    /** A copy of all levels. */
    public double[] sigmas() {
        return sigmas.clone();
    }

    /** σ_0, where sampling starts. */
    public double sigmaMax() {
        return sigmas[0];
    }

    /** The smallest positive level. */
    public double sigmaMin() {
        return endsAtZero() ? sigmas[sigmas.length - 2] : sigmas[sigmas.length - 1];
    }

    /** Whether the last level is exactly 0 (k-diffusion's {@code append_zero}). */
    public boolean endsAtZero() {
        return sigmas[sigmas.length - 1] == 0;
    }

    /** The same levels without the final zero (itself if it has none). */
    public Grid withoutFinalZero() {
        return endsAtZero() ? new Grid(Arrays.copyOf(sigmas, sigmas.length - 1)) : this;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Grid g && Arrays.equals(sigmas, g.sigmas);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(sigmas);
    }

    @Override
    public String toString() {
        return "Grid" + Arrays.toString(sigmas);
    }
}
