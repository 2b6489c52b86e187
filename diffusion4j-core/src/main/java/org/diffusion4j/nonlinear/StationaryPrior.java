package org.diffusion4j.nonlinear;

import java.util.Arrays;

/**
 * The prior of a {@link SineDriftProcess}: its stationary density {@code π ∝ exp(−2U/g²)}, one coordinate at a time,
 * drawn by inverting its distribution function (trapezoid sums over a grid of spacing 10⁻³ on
 * [−{@link TransitionTable#HALF_WIDTH}, {@link TransitionTable#HALF_WIDTH}], linear between nodes).
 */
public final class StationaryPrior {
    private static final double DX = 1e-3;
    private final double[] cdf;

    public StationaryPrior(SineDriftProcess process) {
        int n = (int) Math.round(2 * TransitionTable.HALF_WIDTH / DX) + 1;
        double[] log = new double[n];
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) {
            log[j] = process.logStationary(x(j));
            max = Math.max(max, log[j]);
        }
        cdf = new double[n];
        for (int j = 1; j < n; j++) {
            cdf[j] = cdf[j - 1] + 0.5 * DX * (Math.exp(log[j - 1] - max) + Math.exp(log[j] - max));
        }
        double total = cdf[n - 1];
        for (int j = 0; j < n; j++) {
            cdf[j] /= total;
        }
    }

    private static double x(int j) {
        return -TransitionTable.HALF_WIDTH + j * DX;
    }

    /** The x with Π(x) = u, u in [0, 1]. */
    public double quantile(double u) {
        double target = Math.min(Math.max(u, 0), 1);
        int found = Arrays.binarySearch(cdf, target);
        int a = Math.min(Math.max(found >= 0 ? found : -found - 2, 0), cdf.length - 2);
        int b = a + 1;
        double w = cdf[b] > cdf[a] ? (target - cdf[a]) / (cdf[b] - cdf[a]) : 0.5;
        return x(a) + w * DX;
    }

    /** Π(x), the stationary distribution function. */
    public double distribution(double x) {
        double u = (x + TransitionTable.HALF_WIDTH) / DX;
        if (u <= 0) {
            return 0;
        }
        if (u >= cdf.length - 1) {
            return 1;
        }
        int j = (int) u;
        return cdf[j] + (u - j) * (cdf[j + 1] - cdf[j]);
    }
}
