package org.diffusion4j.sample;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.diffusion4j.InvalidArgumentException;

/**
 * UniPC, the unified predictor–corrector of Zhao et al. (2023), data-prediction form with B(h) = e^h − 1 ("bh2"),
 * in the EDM view (α = 1, λ = −log σ). With h = λ_{i+1} − λ_i, the history D_{i−k} at λ_{i−k},
 * r_k = (λ_{i−k} − λ_i)/h and D1_k = (D_{i−k} − D_i)/r_k:
 * <pre>
 * UniP-p (Algorithm 2):  x_{i+1} = (σ_{i+1}/σ_i)·x_i − (e^{−h} − 1)·D_i − B(−h)·Σ_{k&lt;p} a_k·D1_k
 * UniC-p (Algorithm 3):  x_i^c  = (σ_i/σ_{i−1})·x_{i−1} − (e^{−h} − 1)·D_{i−1}
 *                                 − B(−h)·(Σ_{k&lt;p} a^c_k·D1_k + a^c_p·(D(x_i) − D_{i−1}))
 * </pre>
 * where the weights solve R·a = g with R_{mk} = r_k^{m−1} and g_m = m!·φ_{m+1}(−h)·(−h)^m/B(−h) (eq. 8; for p = 2 the
 * predictor uses a = ½, for p = 1 the corrector a = ½). The corrector reuses the denoiser output at the predicted
 * point, so UniPC costs one call per step. The order ramps up over the first steps and drops to first order for
 * the last ("lower order final", as diffusers), so the step to σ = 0 returns D.
 *
 * @param order p ∈ {1, 2, 3}
 */
public record UniPc(int order) implements SteppedSampler {

    public UniPc {
        if (order < 1 || order > 3) {
            throw new InvalidArgumentException("unipc order must be 1, 2 or 3, got " + order);
        }
    }

    public UniPc() {
        this(2);
    }

    @Override
    public String name() {
        return "unipc";
    }

    @Override
    public int history() {
        return order;
    }

    @Override
    public NDArray step(Step step, NDArray predicted) {
        int i = step.index();
        double[] lambdas = Arrays.stream(step.sigmas()).map(s -> -Math.log(s)).toArray();
        NDArray denoised = step.denoise(predicted, step.sigma());
        List<NDArray> history = new ArrayList<>();
        for (int k = 1; step.previous("denoised", k) != null; k++) {
            history.add(step.previous("denoised", k));
        }
        NDArray x = predicted;
        if (i > 0) {
            int previousOrder = Math.min(Math.min(order, step.steps() - i + 1), i);
            x = update(step.previous("x", 1), history, denoised, lambdas, i - 1, previousOrder, true);
        }
        history.add(0, denoised);
        if (history.size() > order) {
            history.remove(history.size() - 1);
        }
        step.remember("x", x);
        step.remember("denoised", denoised);
        int thisOrder = Math.min(Math.min(order, step.steps() - i), i + 1);
        return update(x, history, null, lambdas, i, thisOrder, false);
    }

    /**
     * One UniP step from level {@code from} to {@code from + 1} with {@code history.get(0)} = D at {@code from}, or,
     * with {@code corrector}, the UniC correction of that step given {@code newDenoised} = D at the predicted point.
     */
    private static NDArray update(NDArray x, List<NDArray> history, NDArray newDenoised, double[] lambdas, int from,
            int p, boolean corrector) {
        double h = lambdas[from + 1] - lambdas[from];
        double hh = -h;
        double hPhi1 = Math.expm1(hh);
        double bh = Math.expm1(hh);
        NDArray m0 = history.get(0);
        int differences = p - 1;
        double[] r = new double[p];
        List<NDArray> d1 = new ArrayList<>();
        for (int k = 1; k <= differences; k++) {
            r[k - 1] = (lambdas[from - k] - lambdas[from]) / h;
            d1.add(history.get(k).sub(m0).div(r[k - 1]));
        }
        r[p - 1] = 1.0;
        double[] weights = corrector
                ? (p == 1 ? new double[] {0.5} : solve(r, rhs(hh, bh, p), p))
                : (p == 2 ? new double[] {0.5} : solve(r, rhs(hh, bh, p), differences));
        double ratio = Math.exp(lambdas[from] - lambdas[from + 1]);
        NDArray out = x.mul(ratio).sub(m0.mul(hPhi1));
        NDArray residual = null;
        for (int k = 0; k < differences; k++) {
            NDArray term = d1.get(k).mul(weights[k]);
            residual = residual == null ? term : residual.add(term);
        }
        if (corrector) {
            NDArray term = newDenoised.sub(m0).mul(weights[p - 1]);
            residual = residual == null ? term : residual.add(term);
        }
        return residual == null ? out : out.sub(residual.mul(bh));
    }

    /** g_m = m!·(φ_{m+1}-term)/B for m = 1 … p, by the recurrence of the reference implementation. */
    private static double[] rhs(double hh, double bh, int p) {
        double[] b = new double[p];
        double hPhiK = Math.expm1(hh) / hh - 1;
        double factorial = 1;
        for (int m = 1; m <= p; m++) {
            b[m - 1] = hPhiK * factorial / bh;
            factorial *= m + 1;
            hPhiK = hPhiK / hh - 1 / factorial;
        }
        return b;
    }

    /** Solves the leading n×n block of R·a = b with R_{mk} = r_k^m (m, k = 0 … n−1), by Gaussian elimination. */
    private static double[] solve(double[] r, double[] b, int n) {
        double[][] a = new double[n][n + 1];
        for (int m = 0; m < n; m++) {
            for (int k = 0; k < n; k++) {
                a[m][k] = Math.pow(r[k], m);
            }
            a[m][n] = b[m];
        }
        for (int col = 0; col < n; col++) {
            int pivot = col;
            for (int row = col + 1; row < n; row++) {
                if (Math.abs(a[row][col]) > Math.abs(a[pivot][col])) {
                    pivot = row;
                }
            }
            double[] tmp = a[col];
            a[col] = a[pivot];
            a[pivot] = tmp;
            for (int row = col + 1; row < n; row++) {
                double f = a[row][col] / a[col][col];
                for (int k = col; k <= n; k++) {
                    a[row][k] -= f * a[col][k];
                }
            }
        }
        double[] x = new double[n];
        for (int row = n - 1; row >= 0; row--) {
            double sum = a[row][n];
            for (int k = row + 1; k < n; k++) {
                sum -= a[row][k] * x[k];
            }
            x[row] = sum / a[row][row];
        }
        return x;
    }
}
