package org.diffusion4j.eval;

import java.util.Arrays;
import org.apache.commons.math3.special.Erf;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.ShapeMismatchException;
import org.diffusion4j.denoise.GaussianMixture;

/**
 * The exact 1-Wasserstein distance between the empirical distribution of 1-D samples and a 1-D Gaussian mixture,
 * {@code W₁ = ∫|F_n(x) − F(x)| dx} (Villani 2009, ch. 2): between consecutive sorted samples F_n is constant and the
 * integral of the mixture CDF F has the closed form G(x) = Σ_k w_k[(x − μ_k)Φ(z_k) + s_k φ(z_k)], so the only error
 * is the sampling error of the samples themselves (about 1/√n).
 */
public final class Wasserstein1d {
    private Wasserstein1d() {}

    /** W₁ between the samples and the mixture. */
    public static double toMixture(double[] samples, GaussianMixture mixture) {
        if (mixture.dimension() != 1) {
            throw new ShapeMismatchException("the 1-D Wasserstein distance needs a 1-D mixture, got dimension "
                    + mixture.dimension());
        }
        if (samples.length == 0) {
            throw new InvalidArgumentException("the 1-D Wasserstein distance needs at least one sample");
        }
        double[] x = samples.clone();
        Arrays.sort(x);
        if (!Double.isFinite(x[0]) || !Double.isFinite(x[x.length - 1])) {
            throw new InvalidArgumentException("the samples contain non-finite values");
        }
        Cdf cdf = new Cdf(mixture);
        int n = x.length;
        double total = cdf.integral(x[0]) + cdf.upperIntegral(x[n - 1]);
        for (int i = 1; i < n; i++) {
            total += between(cdf, (double) i / n, x[i - 1], x[i]);
        }
        return total;
    }

    /** ∫_a^b |level − F| for monotone F, split where F crosses the level. */
    private static double between(Cdf cdf, double level, double a, double b) {
        if (b <= a) {
            return 0;
        }
        double fa = cdf.value(a) - level;
        double fb = cdf.value(b) - level;
        if (fa * fb >= 0) {
            return Math.abs(cdf.integral(b) - cdf.integral(a) - level * (b - a));
        }
        double lo = a;
        double hi = b;
        for (int k = 0; k < 60 && hi - lo > 1e-15 * Math.max(1, Math.abs(lo)); k++) {
            double mid = 0.5 * (lo + hi);
            if ((cdf.value(mid) - level) * fa > 0) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        double c = 0.5 * (lo + hi);
        return Math.abs(cdf.integral(c) - cdf.integral(a) - level * (c - a))
                + Math.abs(cdf.integral(b) - cdf.integral(c) - level * (b - c));
    }

    /** The mixture CDF F and its antiderivative G with G(−∞) = 0. */
    private record Cdf(double[] w, double[] mu, double[] s) {
        Cdf(GaussianMixture m) {
            this(m.weights(), Arrays.stream(m.means()).mapToDouble(r -> r[0]).toArray(),
                    Arrays.stream(m.variances()).mapToDouble(r -> Math.sqrt(r[0])).toArray());
        }

        double value(double x) {
            double f = 0;
            for (int k = 0; k < w.length; k++) {
                f += w[k] * phi((x - mu[k]) / s[k]);
            }
            return f;
        }

        double integral(double x) {
            double g = 0;
            for (int k = 0; k < w.length; k++) {
                double z = (x - mu[k]) / s[k];
                g += w[k] * ((x - mu[k]) * phi(z) + s[k] * density(z));
            }
            return g;
        }

        /** ∫_x^∞ (1 − F) = G(x) − x + E[X], since G(X) = X − E[X] + o(1) as X → ∞. */
        double upperIntegral(double x) {
            double mean = 0;
            for (int k = 0; k < w.length; k++) {
                mean += w[k] * mu[k];
            }
            return integral(x) - x + mean;
        }

        private static double phi(double z) {
            return 0.5 * Erf.erfc(-z / Math.sqrt(2));
        }

        private static double density(double z) {
            return Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
        }
    }
}
