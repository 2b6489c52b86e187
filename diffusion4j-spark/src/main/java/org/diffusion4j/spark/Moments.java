package org.diffusion4j.spark;

import java.io.Serializable;
import java.math.BigDecimal;
import java.math.MathContext;
import org.diffusion4j.ShapeMismatchException;

/**
 * The count, the sum of feature vectors and the sum of their outer products (upper triangle) of a set of samples:
 * the Fréchet statistics of a distributed evaluation.
 *
 * <p>A block's sums are taken in float64 in the block's own sample order, then held as exact decimals
 * ({@code new BigDecimal(double)} is exact, and so is {@link BigDecimal#add}). Merging is therefore associative and
 * commutative to the last digit: Spark's tree aggregation may combine blocks in any order and grouping, and the
 * totals, the mean and the covariance are the same bits whatever the partitioning.
 */
final class Moments implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int dimension;
    private long count;
    private final BigDecimal[] sum;
    private final BigDecimal[] outer;

    private Moments(int dimension) {
        this.dimension = dimension;
        this.sum = new BigDecimal[dimension];
        this.outer = new BigDecimal[dimension * (dimension + 1) / 2];
        java.util.Arrays.fill(sum, BigDecimal.ZERO);
        java.util.Arrays.fill(outer, BigDecimal.ZERO);
    }

    /** The moments of {@code rows} (one feature vector each), summed in float64 in row order. */
    static Moments of(double[][] rows) {
        int d = rows[0].length;
        double[] s = new double[d];
        double[] o = new double[d * (d + 1) / 2];
        for (double[] row : rows) {
            if (row.length != d) {
                throw new ShapeMismatchException("feature vectors of dimension " + d + " and " + row.length);
            }
            for (int i = 0, k = 0; i < d; i++) {
                s[i] += row[i];
                for (int j = i; j < d; j++, k++) {
                    o[k] += row[i] * row[j];
                }
            }
        }
        Moments m = new Moments(d);
        m.count = rows.length;
        for (int i = 0; i < d; i++) {
            m.sum[i] = new BigDecimal(s[i]);
        }
        for (int k = 0; k < o.length; k++) {
            m.outer[k] = new BigDecimal(o[k]);
        }
        return m;
    }

    /** The exact sum of this and {@code other}. */
    Moments plus(Moments other) {
        if (other.dimension != dimension) {
            throw new ShapeMismatchException("moments of dimension " + dimension + " and " + other.dimension);
        }
        Moments m = new Moments(dimension);
        m.count = count + other.count;
        for (int i = 0; i < sum.length; i++) {
            m.sum[i] = sum[i].add(other.sum[i]);
        }
        for (int k = 0; k < outer.length; k++) {
            m.outer[k] = outer[k].add(other.outer[k]);
        }
        return m;
    }

    long count() {
        return count;
    }

    /** The mean feature vector. */
    double[] mean() {
        double[] mean = new double[dimension];
        BigDecimal n = BigDecimal.valueOf(count);
        for (int i = 0; i < dimension; i++) {
            mean[i] = sum[i].divide(n, MathContext.DECIMAL128).doubleValue();
        }
        return mean;
    }

    /** The unbiased covariance (Σ xxᵀ − s sᵀ / n) / (n − 1), computed in 34-digit decimals. */
    double[][] covariance() {
        double[][] c = new double[dimension][dimension];
        BigDecimal n = BigDecimal.valueOf(count);
        BigDecimal dof = BigDecimal.valueOf(count - 1);
        for (int i = 0, k = 0; i < dimension; i++) {
            for (int j = i; j < dimension; j++, k++) {
                BigDecimal centered = outer[k].subtract(sum[i].multiply(sum[j]).divide(n, MathContext.DECIMAL128));
                c[i][j] = centered.divide(dof, MathContext.DECIMAL128).doubleValue();
                c[j][i] = c[i][j];
            }
        }
        return c;
    }
}
