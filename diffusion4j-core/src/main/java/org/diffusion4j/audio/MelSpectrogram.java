package org.diffusion4j.audio;

import org.diffusion4j.InvalidArgumentException;

/**
 * The log-mel spectrogram of a signal: mel filters applied to the STFT's power |X|², then ln(max(·, floor)), shaped
 * {@code [nMels][frames]} (a mel band per row, as an image).
 *
 * @param stft the transform
 * @param filters mel filters, {@code [nMels][nFft/2 + 1]} ({@link MelFilterbank#filters})
 * @param floor the smallest power kept before the logarithm
 */
public record MelSpectrogram(Stft stft, double[][] filters, double floor) {

    public MelSpectrogram {
        if (filters.length == 0 || filters[0].length != stft.bins()) {
            throw new InvalidArgumentException("mel filters of " + (filters.length == 0 ? 0 : filters[0].length)
                    + " bins do not fit an STFT of " + stft.bins());
        }
        if (!(floor > 0)) {
            throw new InvalidArgumentException("the log-mel floor must be positive, got " + floor);
        }
    }

    /** ln(max(M·|STFT(x)|², floor)), {@code [nMels][frames]}. */
    public double[][] logMel(double[] signal) {
        double[][] magnitude = stft.forward(signal).magnitude();
        int frames = magnitude.length;
        double[][] out = new double[filters.length][frames];
        for (int m = 0; m < filters.length; m++) {
            for (int t = 0; t < frames; t++) {
                double sum = 0;
                for (int k = 0; k < filters[m].length; k++) {
                    sum += filters[m][k] * magnitude[t][k] * magnitude[t][k];
                }
                out[m][t] = Math.log(Math.max(sum, floor));
            }
        }
        return out;
    }

    /**
     * A linear power spectrum P ≥ 0 ({@code [frames][bins]}) whose mel power M·P matches {@code melPower}
     * ({@code [mels][frames]}) in least squares: non-negative least squares per frame by accelerated projected
     * gradient (FISTA, step 1/‖M‖₂², {@value #NNLS_ITERATIONS} iterations), as librosa's {@code mel_to_stft} does
     * with its NNLS. There are more bins than bands, so P is one of many; the start, each bin the filter-weighted mean
     * of its bands' power per unit filter area (exact for a flat spectrum), picks a smooth one.
     */
    public static double[][] linearPower(double[][] filters, double[][] melPower) {
        int mels = filters.length;
        int bins = filters[0].length;
        if (melPower.length != mels) {
            throw new InvalidArgumentException("a mel power of " + melPower.length + " bands does not fit " + mels
                    + " filters");
        }
        int frames = melPower[0].length;
        double step = 1 / largestEigenvalue(filters);
        double[] area = times(filters, ones(bins));
        double[] cover = transposed(filters, ones(mels));
        double[][] out = new double[frames][];
        for (int t = 0; t < frames; t++) {
            double[] target = new double[mels];
            double[] density = new double[mels];
            for (int m = 0; m < mels; m++) {
                target[m] = melPower[m][t];
                density[m] = area[m] == 0 ? 0 : target[m] / area[m];
            }
            double[] p = transposed(filters, density);
            for (int k = 0; k < bins; k++) {
                p[k] = cover[k] == 0 ? 0 : p[k] / cover[k];
            }
            out[t] = nonNegativeLeastSquares(filters, target, p, step);
        }
        return out;
    }

    /** Iterations of {@link #linearPower}'s projected gradient per frame. */
    public static final int NNLS_ITERATIONS = 300;

    private static double[] nonNegativeLeastSquares(double[][] a, double[] b, double[] start, double step) {
        double[] x = start.clone();
        double[] y = start.clone();
        double momentum = 1;
        for (int i = 0; i < NNLS_ITERATIONS; i++) {
            double[] residual = times(a, y);
            for (int m = 0; m < residual.length; m++) {
                residual[m] -= b[m];
            }
            double[] gradient = transposed(a, residual);
            double[] next = new double[x.length];
            for (int k = 0; k < x.length; k++) {
                next[k] = Math.max(0, y[k] - step * gradient[k]);
            }
            double nextMomentum = (1 + Math.sqrt(1 + 4 * momentum * momentum)) / 2;
            for (int k = 0; k < x.length; k++) {
                y[k] = next[k] + (momentum - 1) / nextMomentum * (next[k] - x[k]);
            }
            x = next;
            momentum = nextMomentum;
        }
        return x;
    }

    /** λ_max(AᵀA) by power iteration, 1% over to stay a safe bound. */
    private static double largestEigenvalue(double[][] a) {
        double[] v = ones(a[0].length);
        double lambda = 0;
        for (int i = 0; i < 100; i++) {
            double[] w = transposed(a, times(a, v));
            double norm = 0;
            for (double x : w) {
                norm += x * x;
            }
            norm = Math.sqrt(norm);
            if (norm == 0) {
                throw new InvalidArgumentException("mel filters that are all zero cannot be inverted");
            }
            lambda = norm / Math.sqrt(dot(v, v));
            for (int k = 0; k < w.length; k++) {
                v[k] = w[k] / norm;
            }
        }
        return 1.01 * lambda;
    }

    private static double[] times(double[][] a, double[] x) {
        double[] out = new double[a.length];
        for (int m = 0; m < a.length; m++) {
            out[m] = dot(a[m], x);
        }
        return out;
    }

    private static double[] transposed(double[][] a, double[] y) {
        double[] out = new double[a[0].length];
        for (int m = 0; m < a.length; m++) {
            for (int k = 0; k < out.length; k++) {
                out[k] += a[m][k] * y[m];
            }
        }
        return out;
    }

    private static double dot(double[] a, double[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }

    private static double[] ones(int n) {
        double[] out = new double[n];
        java.util.Arrays.fill(out, 1);
        return out;
    }
}
