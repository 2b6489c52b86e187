package org.diffusion4j.phase;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;
import org.diffusion4j.ShapeMismatchException;
import org.diffusion4j.backend.NativeArrays;
import org.diffusion4j.denoise.GaussianMixture;

/**
 * The exact marginal of PSLD started from Gaussian-mixture data x_0 (diagonal covariances) and m_0 ~ N(0, γM): on
 * each coordinate pair, component k is Gaussian with mean {@code E_t·(μ_kj, 0)} and covariance
 * {@code Σ_∞ + E_t(diag(v_kj, γM) − Σ_∞)E_tᵀ}, so z_t is again a mixture and its score and log-density are exact.
 * The ground truth of the phase-space integrators, as {@code GaussianMixtureDenoiser} is of the Gaussian ones.
 *
 * @param data the mixture of x_0
 * @param process the PSLD process
 */
public record PsldMixtureScore(GaussianMixture data, Psld process) implements PhaseScore {

    @Override
    public NDArray score(NDArray z, double t) {
        Terms terms = new Terms(z, t);
        NDArray r = terms.logits.softmax(1).expandDims(2);
        NDArray sx = terms.px.mul(terms.rx).add(terms.pxm.mul(terms.rm)).mul(r).sum(new int[] {1}).neg();
        NDArray sm = terms.pxm.mul(terms.rx).add(terms.pm.mul(terms.rm)).mul(r).sum(new int[] {1}).neg();
        return PhaseState.join(sx, sm);
    }

    /**
     * Exact draws of z_t, (n, 2d) row-major in the [x, m] layout: x_0 from the data, m_0 ~ N(0, γM), then the exact
     * transition and its noise on each coordinate pair.
     */
    public double[] sample(double t, int n, SplittableRandom random) {
        int d = data.dimension();
        double[][] x0 = data.sample(n, random);
        Matrix2 e = process.transition(t);
        Matrix2 l = process.covariance(0, t, new Matrix2(0, 0, 0, 0)).cholesky();
        double[] out = new double[2 * d * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                double m0 = Math.sqrt(process.initialVelocityVariance()) * random.nextGaussian();
                double[] mean = e.apply(x0[i][j], m0);
                double[] noise = l.apply(random.nextGaussian(), random.nextGaussian());
                out[i * 2 * d + j] = mean[0] + noise[0];
                out[i * 2 * d + d + j] = mean[1] + noise[1];
            }
        }
        return out;
    }

    /** log p_t(z), one value per state. */
    public NDArray logDensity(NDArray z, double t) {
        NDArray logits = new Terms(z, t).logits;
        NDArray max = logits.max(new int[] {1}, true);
        return logits.sub(max).exp().sum(new int[] {1}).log().add(max.squeeze(1));
    }

    /** Per-component residuals, precisions (shape (1, K, d)) and log-weights (B, K). */
    private final class Terms {
        final NDArray rx;
        final NDArray rm;
        final NDArray px;
        final NDArray pxm;
        final NDArray pm;
        final NDArray logits;

        Terms(NDArray z, double t) {
            int k = data.components();
            int d = data.dimension();
            if (z.getShape().dimension() != 2 || z.getShape().get(1) != 2L * d) {
                throw new ShapeMismatchException("states of a " + d + "-dimensional mixture have shape (B, " + 2 * d
                        + "), got " + z.getShape());
            }
            Matrix2 e = process.transition(t);
            double[] cx = new double[k * d];
            double[] cm = new double[k * d];
            double[] pxx = new double[k * d];
            double[] pxmv = new double[k * d];
            double[] pmm = new double[k * d];
            double[] logNormalizer = new double[k];
            for (int c = 0; c < k; c++) {
                logNormalizer[c] = Math.log(data.weights()[c]);
                for (int j = 0; j < d; j++) {
                    int i = c * d + j;
                    double mu = data.means()[c][j];
                    cx[i] = e.a() * mu;
                    cm[i] = e.c() * mu;
                    Matrix2 cov = process.covariance(0, t, Matrix2.diagonal(data.variances()[c][j],
                            process.initialVelocityVariance()));
                    Matrix2 precision = cov.inverse();
                    pxx[i] = precision.a();
                    pxmv[i] = precision.b();
                    pmm[i] = precision.d();
                    logNormalizer[c] -= 0.5 * Math.log(4 * Math.PI * Math.PI * cov.determinant());
                }
            }
            NDManager m = z.getManager();
            DataType type = z.getDataType();
            Shape table = new Shape(1, k, d);
            long batch = z.getShape().get(0);
            rx = PhaseState.position(z).reshape(batch, 1, d).sub(NativeArrays.of(m, cx, table, type));
            rm = PhaseState.velocity(z).reshape(batch, 1, d).sub(NativeArrays.of(m, cm, table, type));
            px = NativeArrays.of(m, pxx, table, type);
            pxm = NativeArrays.of(m, pxmv, table, type);
            pm = NativeArrays.of(m, pmm, table, type);
            NDArray quadratic = px.mul(rx).mul(rx).add(pxm.mul(rx).mul(rm).mul(2)).add(pm.mul(rm).mul(rm))
                    .sum(new int[] {2});
            logits = quadratic.mul(-0.5).add(NativeArrays.of(m, logNormalizer, new Shape(1, k), type));
        }
    }
}
