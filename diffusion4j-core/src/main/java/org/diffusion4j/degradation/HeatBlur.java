package org.diffusion4j.degradation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.Locale;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.ShapeMismatchException;
import org.diffusion4j.backend.Differentiable;
import org.diffusion4j.backend.NativeArrays;

/**
 * Heat dissipation (Rissanen, Heinonen &amp; Solin 2023, "Generative Modelling with Inverse Heat Dissipation",
 * eq. 1–3): each image evolves under the heat equation ∂u/∂τ = Δu with reflecting (Neumann) edges for a time
 * τ = w²/2, which blurs it by a Gaussian of width w(σ) = min(w_max, scale·√σ) pixels. The discrete Neumann Laplacian
 * of n pixels is diagonal in the orthonormal DCT-II basis V with eigenvalues λ_k = 4·sin²(πk/2n), so the operator is
 * exactly {@code A_σ(x) = B_H·x·B_Wᵀ} with {@code B = V·diag(e^{−τλ})·Vᵀ}. It keeps each image's mean and, as
 * τ → ∞, leaves only the mean.
 *
 * @param scale width per √σ, in pixels
 * @param maxWidth the largest width, in pixels
 */
@Differentiable
public record HeatBlur(double scale, double maxWidth) implements Degradation {

    public HeatBlur {
        if (!(scale > 0 && maxWidth > 0)) {
            throw new InvalidArgumentException("blur needs scale > 0 and max_width > 0, got " + scale + ", "
                    + maxWidth);
        }
    }

    /** The blur width at level σ, in pixels. */
    public double width(double sigma) {
        return Math.min(maxWidth, scale * Math.sqrt(sigma));
    }

    @Override
    public NDArray apply(NDArray x0, double sigma) {
        return apply(x0, new double[] {sigma});
    }

    @Override
    public NDArray apply(NDArray x0, double[] sigmas) {
        Shape shape = x0.getShape();
        if (shape.dimension() != 4) {
            throw new ShapeMismatchException("blur acts on images (N, C, H, W), got " + shape);
        }
        int h = (int) shape.get(2);
        int w = (int) shape.get(3);
        long batch = sigmas.length;
        if (batch != 1 && batch != shape.get(0)) {
            throw new ShapeMismatchException(batch + " blur levels for a batch of " + shape.get(0));
        }
        Shape perSample = new Shape(batch, 1);
        NDArray rows = NativeArrays.of(x0.getManager(), kernels(sigmas, h), perSample.addAll(new Shape(h, h)),
                x0.getDataType());
        NDArray columns = NativeArrays.of(x0.getManager(), kernels(sigmas, w), perSample.addAll(new Shape(w, w)),
                x0.getDataType());
        return rows.matMul(x0).matMul(columns); // B is symmetric, so x·B_Wᵀ = x·B_W
    }

    /** B for each level, row-major, concatenated. */
    private double[] kernels(double[] sigmas, int n) {
        double[] out = new double[sigmas.length * n * n];
        double[][] basis = dct(n);
        for (int s = 0; s < sigmas.length; s++) {
            double width = width(sigmas[s]);
            double tau = width * width / 2;
            double[] decay = new double[n];
            for (int k = 0; k < n; k++) {
                double root = Math.sin(Math.PI * k / (2.0 * n));
                decay[k] = Math.exp(-tau * 4 * root * root);
            }
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    double sum = 0;
                    for (int k = 0; k < n; k++) {
                        sum += basis[i][k] * decay[k] * basis[j][k];
                    }
                    out[s * n * n + i * n + j] = sum;
                }
            }
        }
        return out;
    }

    /** The orthonormal DCT-II basis: column k is c_k·cos(πk(2i + 1)/2n). */
    private static double[][] dct(int n) {
        double[][] v = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < n; k++) {
                double c = Math.sqrt((k == 0 ? 1.0 : 2.0) / n);
                v[i][k] = c * Math.cos(Math.PI * k * (2 * i + 1) / (2.0 * n));
            }
        }
        return v;
    }

    @Override
    public String spec() {
        return String.format(Locale.ROOT, "blur:scale=%s,max_width=%s", scale, maxWidth);
    }
}
