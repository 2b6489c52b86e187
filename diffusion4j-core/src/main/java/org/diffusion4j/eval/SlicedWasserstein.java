package org.diffusion4j.eval;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.diffusion4j.ShapeMismatchException;

/**
 * The sliced 2-Wasserstein distance (Rabin et al. 2011; Bonneel et al. 2015): the root mean over random unit
 * directions θ of W₂² between the projections ⟨x, θ⟩ of two equal-size point sets, where the 1-D W₂ pairs the
 * sorted projections. A fixed seed fixes the directions, so distances are comparable across runs.
 */
public final class SlicedWasserstein {
    private SlicedWasserstein() {}

    /** SW₂ between the rows of {@code a} and {@code b} over {@code projections} directions drawn from {@code seed}. */
    public static double distance(double[][] a, double[][] b, int projections, long seed) {
        if (a.length != b.length || a.length == 0) {
            throw new ShapeMismatchException("sliced Wasserstein needs two non-empty sets of equal size, got "
                    + a.length + " and " + b.length);
        }
        int d = a[0].length;
        if (b[0].length != d) {
            throw new ShapeMismatchException("sliced Wasserstein needs points of equal dimension, got " + d + " and "
                    + b[0].length);
        }
        SplittableRandom random = new SplittableRandom(seed);
        double[] pa = new double[a.length];
        double[] pb = new double[b.length];
        double total = 0;
        for (int p = 0; p < projections; p++) {
            double[] theta = new double[d];
            double norm = 0;
            for (int j = 0; j < d; j++) {
                theta[j] = random.nextGaussian();
                norm += theta[j] * theta[j];
            }
            norm = Math.sqrt(norm);
            for (int i = 0; i < a.length; i++) {
                double sa = 0;
                double sb = 0;
                for (int j = 0; j < d; j++) {
                    sa += a[i][j] * theta[j];
                    sb += b[i][j] * theta[j];
                }
                pa[i] = sa / norm;
                pb[i] = sb / norm;
            }
            Arrays.sort(pa);
            Arrays.sort(pb);
            double sum = 0;
            for (int i = 0; i < pa.length; i++) {
                double diff = pa[i] - pb[i];
                sum += diff * diff;
            }
            total += sum / pa.length;
        }
        return Math.sqrt(total / projections);
    }
}
