package org.diffusion4j.eval;

import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.apache.commons.math3.linear.RealMatrix;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.ShapeMismatchException;

/**
 * The Fréchet distance between Gaussians fitted to two feature sets (Heusel et al. 2017, the "FID" when the
 * features are Inception's): {@code ‖μ₁ − μ₂‖² + Tr(C₁ + C₂ − 2(C₁^{½}C₂C₁^{½})^{½})}, computed with symmetric
 * eigendecompositions, so the matrix square root is real and exact up to rounding.
 */
public final class FrechetDistance {
    private FrechetDistance() {}

    /** The distance between the row sets {@code a} and {@code b} (n × d each, any n ≥ 2). */
    public static double between(double[][] a, double[][] b) {
        if (a[0].length != b[0].length) {
            throw new ShapeMismatchException("features of dimension " + a[0].length + " and " + b[0].length);
        }
        for (double[][] set : new double[][][] {a, b}) {
            for (double[] row : set) {
                for (double v : row) {
                    if (!Double.isFinite(v)) {
                        throw new InvalidArgumentException("a Fréchet distance needs finite features, got " + v
                                + " (are the samples finite?)");
                    }
                }
            }
        }
        double[] meanA = mean(a);
        double[] meanB = mean(b);
        return between(meanA, covariance(a, meanA), meanB, covariance(b, meanB));
    }

    /**
     * The distance between the Gaussians N(meanA, covA) and N(meanB, covB), for moments gathered elsewhere (a
     * distributed job's sums of features and their outer products).
     */
    public static double between(double[] meanA, double[][] covA, double[] meanB, double[][] covB) {
        if (meanA.length != meanB.length || covA.length != meanA.length || covB.length != meanB.length) {
            throw new ShapeMismatchException("moments of dimension " + meanA.length + " (covariance " + covA.length
                    + ") and " + meanB.length + " (covariance " + covB.length + ")");
        }
        return between(meanA, new Array2DRowRealMatrix(covA, true), meanB, new Array2DRowRealMatrix(covB, true));
    }

    private static double between(double[] meanA, RealMatrix covA, double[] meanB, RealMatrix covB) {
        double shift = 0;
        for (int i = 0; i < meanA.length; i++) {
            shift += (meanA[i] - meanB[i]) * (meanA[i] - meanB[i]);
        }
        RealMatrix rootA = sqrtPsd(covA);
        RealMatrix middle = rootA.multiply(covB).multiply(rootA);
        double traceRoot = 0;
        for (double eigen : new EigenDecomposition(symmetrize(middle)).getRealEigenvalues()) {
            traceRoot += Math.sqrt(Math.max(eigen, 0));
        }
        return shift + covA.getTrace() + covB.getTrace() - 2 * traceRoot;
    }

    private static double[] mean(double[][] x) {
        double[] m = new double[x[0].length];
        for (double[] row : x) {
            for (int j = 0; j < m.length; j++) {
                m[j] += row[j];
            }
        }
        for (int j = 0; j < m.length; j++) {
            m[j] /= x.length;
        }
        return m;
    }

    private static RealMatrix covariance(double[][] x, double[] mean) {
        int d = mean.length;
        double[][] c = new double[d][d];
        double[] centered = new double[d];
        for (double[] row : x) {
            for (int j = 0; j < d; j++) {
                centered[j] = row[j] - mean[j];
            }
            for (int i = 0; i < d; i++) {
                for (int j = i; j < d; j++) {
                    c[i][j] += centered[i] * centered[j];
                }
            }
        }
        for (int i = 0; i < d; i++) {
            for (int j = i; j < d; j++) {
                c[i][j] /= x.length - 1;
                c[j][i] = c[i][j];
            }
        }
        return new Array2DRowRealMatrix(c, false);
    }

    private static RealMatrix sqrtPsd(RealMatrix m) {
        EigenDecomposition eigen = new EigenDecomposition(symmetrize(m));
        RealMatrix v = eigen.getV();
        double[] values = eigen.getRealEigenvalues();
        RealMatrix scaled = v.copy();
        for (int j = 0; j < values.length; j++) {
            double root = Math.sqrt(Math.max(values[j], 0));
            for (int i = 0; i < values.length; i++) {
                scaled.setEntry(i, j, scaled.getEntry(i, j) * root);
            }
        }
        return scaled.multiply(v.transpose());
    }

    private static RealMatrix symmetrize(RealMatrix m) {
        return m.add(m.transpose()).scalarMultiply(0.5);
    }
}
