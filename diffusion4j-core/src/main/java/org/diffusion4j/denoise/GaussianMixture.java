package org.diffusion4j.denoise;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.random.RandomGenerator;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.ShapeMismatchException;
import org.diffusion4j.backend.Differentiable;
import org.diffusion4j.backend.NativeArrays;
import org.diffusion4j.backend.Scalars;

/**
 * A mixture of Gaussians with diagonal covariances, {@code p(x_0) = Σ_k w_k·N(x_0; μ_k, diag(v_k))}, and the exact
 * quantities of its noised marginals under any Gaussian process {@code x = α·x_0 + σ·ε}:
 *
 * <ul>
 *   <li>{@code p_t(x) = Σ_k w_k·N(x; α·μ_k, S_k)} with {@code S_k = α²·v_k + σ²};
 *   <li>responsibilities {@code r_k(x) ∝ w_k·N(x; α·μ_k, S_k)};
 *   <li>posterior mean {@code E[x_0 | x] = Σ_k r_k·(μ_k + α·v_k/S_k·(x − α·μ_k))};
 *   <li>score {@code ∇ log p_t(x) = −Σ_k r_k·(x − α·μ_k)/S_k}.
 * </ul>
 *
 * These closed forms are the ground truth of every sampler test and benchmark. Samples may have any shape whose
 * per-sample size equals {@link #dimension()}; the batch dimension comes first.
 */
@Differentiable
public final class GaussianMixture {
    private final double[] weights;
    private final double[][] means;
    private final double[][] variances;

    /**
     * A mixture with {@code weights} (positive, normalized here), {@code means} and {@code variances}
     * (K × D each, variances positive).
     */
    public GaussianMixture(double[] weights, double[][] means, double[][] variances) {
        int k = weights.length;
        if (k == 0) {
            throw new InvalidArgumentException("a mixture needs at least one component");
        }
        if (means.length != k || variances.length != k) {
            throw new ShapeMismatchException("mixture has " + k + " weights but " + means.length + " means and "
                    + variances.length + " variance rows");
        }
        int d = means[0].length;
        if (d == 0) {
            throw new InvalidArgumentException("mixture means must have at least one coordinate");
        }
        double total = 0;
        for (int i = 0; i < k; i++) {
            if (!(weights[i] > 0) || !Double.isFinite(weights[i])) {
                throw new InvalidArgumentException("mixture weight " + i + " must be positive and finite, got "
                        + weights[i]);
            }
            if (means[i].length != d || variances[i].length != d) {
                throw new ShapeMismatchException("mixture component " + i + " has " + means[i].length
                        + " mean and " + variances[i].length + " variance values, expected " + d);
            }
            for (int j = 0; j < d; j++) {
                if (!Double.isFinite(means[i][j])) {
                    throw new InvalidArgumentException("mixture mean [" + i + "][" + j + "] is not finite");
                }
                if (!(variances[i][j] > 0) || !Double.isFinite(variances[i][j])) {
                    throw new InvalidArgumentException("mixture variance [" + i + "][" + j
                            + "] must be positive and finite, got " + variances[i][j]);
                }
            }
            total += weights[i];
        }
        this.weights = new double[k];
        for (int i = 0; i < k; i++) {
            this.weights[i] = weights[i] / total;
        }
        this.means = deepCopy(means);
        this.variances = deepCopy(variances);
    }

    private static double[][] deepCopy(double[][] a) {
        return Arrays.stream(a).map(double[]::clone).toArray(double[][]::new);
    }

    /** Number of components K. */
    public int components() {
        return weights.length;
    }

    /** Dimension D of one sample. */
    public int dimension() {
        return means[0].length;
    }

    /** The normalized weights. */
    public double[] weights() {
        return weights.clone();
    }

    /** The means, K × D. */
    public double[][] means() {
        return deepCopy(means);
    }

    /** The variances, K × D. */
    public double[][] variances() {
        return deepCopy(variances);
    }

    /** The data mean {@code Σ w_k μ_k}. */
    public double[] mean() {
        double[] m = new double[dimension()];
        for (int k = 0; k < components(); k++) {
            for (int j = 0; j < m.length; j++) {
                m[j] += weights[k] * means[k][j];
            }
        }
        return m;
    }

    /** The data covariance {@code Σ w_k (diag(v_k) + μ_k μ_kᵀ) − m mᵀ}. */
    public double[][] covariance() {
        int d = dimension();
        double[] m = mean();
        double[][] c = new double[d][d];
        for (int k = 0; k < components(); k++) {
            for (int i = 0; i < d; i++) {
                c[i][i] += weights[k] * variances[k][i];
                for (int j = 0; j < d; j++) {
                    c[i][j] += weights[k] * means[k][i] * means[k][j];
                }
            }
        }
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                c[i][j] -= m[i] * m[j];
            }
        }
        return c;
    }

    /** {@code n} exact draws from the data distribution (σ = 0), as an n × D matrix. */
    public double[][] sample(int n, RandomGenerator random) {
        double[] cumulative = new double[components()];
        double sum = 0;
        for (int k = 0; k < components(); k++) {
            sum += weights[k];
            cumulative[k] = sum;
        }
        double[][] out = new double[n][dimension()];
        for (int i = 0; i < n; i++) {
            double u = random.nextDouble() * sum;
            int k = 0;
            while (k < components() - 1 && u >= cumulative[k]) {
                k++;
            }
            for (int j = 0; j < dimension(); j++) {
                out[i][j] = means[k][j] + Math.sqrt(variances[k][j]) * random.nextGaussian();
            }
        }
        return out;
    }

    /** {@code E[x_0 | x]} for the batch {@code x} under {@code x = α·x_0 + σ·ε}; same shape and dtype as x. */
    public NDArray posteriorMean(NDArray x, double alpha, double sigma) {
        Terms terms = new Terms(x, alpha, sigma);
        NDManager m = x.getManager();
        NDArray mu = constant(m, (k, j) -> means[k][j], x.getDataType());
        NDArray gain = constant(m, (k, j) -> alpha * variances[k][j] / (alpha * alpha * variances[k][j] + sigma * sigma),
                x.getDataType());
        NDArray r = terms.responsibilities();
        NDArray shrink = r.expandDims(2).mul(gain).mul(terms.diff).sum(new int[] {1});
        return r.matMul(mu).add(shrink).reshape(x.getShape());
    }

    /**
     * {@code E[x_0 | x]} under {@code x = x_0 + σ_i·ε} with a level per sample, in float64 on the Java side (for a
     * batch whose samples sit at different levels): {@code x} holds the samples' values one after the other,
     * {@code sigma} one level per sample.
     */
    public double[] posteriorMean(double[] x, double[] sigma) {
        int d = dimension();
        if (x.length != sigma.length * d) {
            throw new ShapeMismatchException(sigma.length + " levels for " + x.length + " values of dimension " + d);
        }
        double[] out = new double[x.length];
        double[] logits = new double[components()];
        for (int i = 0; i < sigma.length; i++) {
            double s2 = sigma[i] * sigma[i];
            double max = logits(x, i, s2, logits);
            double total = 0;
            for (int k = 0; k < components(); k++) {
                logits[k] = Math.exp(logits[k] - max);
                total += logits[k];
            }
            for (int k = 0; k < components(); k++) {
                double r = logits[k] / total;
                for (int j = 0; j < d; j++) {
                    double gain = variances[k][j] / (variances[k][j] + s2);
                    out[i * d + j] += r * (means[k][j] + gain * (x[i * d + j] - means[k][j]));
                }
            }
        }
        return out;
    }

    /**
     * The most likely component of each sample (the argmax of its responsibilities under the mixture itself):
     * {@code x} holds the samples' values one after the other.
     */
    public int[] component(double[] x) {
        int d = dimension();
        if (x.length % d != 0) {
            throw new ShapeMismatchException(x.length + " values are not whole samples of dimension " + d);
        }
        int[] out = new int[x.length / d];
        double[] logits = new double[components()];
        for (int i = 0; i < out.length; i++) {
            logits(x, i, 0, logits);
            int best = 0;
            for (int k = 1; k < logits.length; k++) {
                best = logits[k] > logits[best] ? k : best;
            }
            out[i] = best;
        }
        return out;
    }

    /** Sample i's log weight plus log density per component under noise variance {@code s2}; returns their max. */
    private double logits(double[] x, int i, double s2, double[] out) {
        int d = dimension();
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < components(); k++) {
            double logit = Math.log(weights[k]);
            for (int j = 0; j < d; j++) {
                double v = variances[k][j] + s2;
                double diff = x[i * d + j] - means[k][j];
                logit -= 0.5 * (Math.log(2 * Math.PI * v) + diff * diff / v);
            }
            out[k] = logit;
            max = Math.max(max, logit);
        }
        return max;
    }

    /** The exact score {@code ∇_x log p(x)} of the noised marginal; same shape and dtype as x. */
    public NDArray score(NDArray x, double alpha, double sigma) {
        Terms terms = new Terms(x, alpha, sigma);
        NDArray r = terms.responsibilities();
        return r.expandDims(2).mul(terms.diff).mul(terms.inverseVariance).sum(new int[] {1}).neg()
                .reshape(x.getShape());
    }

    /** The exact log-density {@code log p(x)} of the noised marginal, one value per sample (shape (B)). */
    public NDArray logDensity(NDArray x, double alpha, double sigma) {
        NDArray logits = new Terms(x, alpha, sigma).logits;
        NDArray max = logits.max(new int[] {1}, true);
        return logits.sub(max).exp().sum(new int[] {1}).log().add(max.squeeze(1));
    }

    /** Per-component terms shared by the posterior mean, the score and the density. */
    private final class Terms {
        final NDArray diff;
        final NDArray inverseVariance;
        final NDArray logits;

        Terms(NDArray x, double alpha, double sigma) {
            long batch = x.getShape().get(0);
            long size = x.getShape().size() / Math.max(batch, 1);
            if (x.getShape().dimension() < 2 || size != dimension()) {
                throw new ShapeMismatchException("the mixture has dimension " + dimension()
                        + " but the samples have shape " + x.getShape() + " (" + size + " values each)");
            }
            NDManager m = x.getManager();
            DataType type = x.getDataType();
            double sigmaSq = sigma * sigma;
            NDArray center = constant(m, (k, j) -> alpha * means[k][j], type);
            inverseVariance = constant(m, (k, j) -> 1 / (alpha * alpha * variances[k][j] + sigmaSq), type);
            double[] logNormalizer = new double[components()];
            for (int k = 0; k < components(); k++) {
                double logDet = 0;
                for (int j = 0; j < dimension(); j++) {
                    logDet += Math.log(2 * Math.PI * (alpha * alpha * variances[k][j] + sigmaSq));
                }
                logNormalizer[k] = Math.log(weights[k]) - 0.5 * logDet;
            }
            diff = x.reshape(batch, 1, size).sub(center);
            NDArray quadratic = diff.mul(diff).mul(inverseVariance).sum(new int[] {2});
            logits = Scalars.times(quadratic, -0.5)
                    .add(NativeArrays.of(m, logNormalizer, new Shape(components()), type));
        }

        NDArray responsibilities() {
            return logits.softmax(1);
        }
    }

    @FunctionalInterface
    private interface Entry {
        double at(int k, int j);
    }

    private NDArray constant(NDManager m, Entry entry, DataType type) {
        int k = components();
        int d = dimension();
        double[] values = new double[k * d];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < d; j++) {
                values[i * d + j] = entry.at(i, j);
            }
        }
        return NativeArrays.of(m, values, new Shape(k, d), type);
    }
}
