package org.diffusion4j.eval;

/**
 * The squared maximum mean discrepancy with a Gaussian kernel (Gretton et al. 2012), unbiased estimator, summed
 * over bandwidths {0.1, 0.5, 1, 2, 5}·h with h the median distance between the pooled points (a multi-scale
 * kernel, as in the flow-matching toy benchmarks).
 */
public final class Mmd {
    private Mmd() {}

    /** MMD² between the row sets (small sets: O(n²) in plain Java). */
    public static double squared(double[][] a, double[][] b) {
        double h = medianDistance(a, b);
        double total = 0;
        for (double scale : new double[] {0.1, 0.5, 1, 2, 5}) {
            double gamma = 1 / (2 * Math.pow(scale * h, 2));
            total += within(a, gamma) + within(b, gamma) - 2 * across(a, b, gamma);
        }
        return total;
    }

    private static double squaredDistance(double[] x, double[] y) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            s += (x[i] - y[i]) * (x[i] - y[i]);
        }
        return s;
    }

    private static double within(double[][] a, double gamma) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            for (int j = i + 1; j < a.length; j++) {
                s += 2 * Math.exp(-gamma * squaredDistance(a[i], a[j]));
            }
        }
        return s / ((double) a.length * (a.length - 1));
    }

    private static double across(double[][] a, double[][] b, double gamma) {
        double s = 0;
        for (double[] x : a) {
            for (double[] y : b) {
                s += Math.exp(-gamma * squaredDistance(x, y));
            }
        }
        return s / ((double) a.length * b.length);
    }

    private static double medianDistance(double[][] a, double[][] b) {
        int n = Math.min(500, Math.min(a.length, b.length));
        double[] d = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                d[i * n + j] = Math.sqrt(squaredDistance(a[i], b[j]));
            }
        }
        java.util.Arrays.sort(d);
        return Math.max(d[d.length / 2], 1e-12);
    }
}
