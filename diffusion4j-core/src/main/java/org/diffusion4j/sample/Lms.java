package org.diffusion4j.sample;

import ai.djl.ndarray.NDArray;
import org.diffusion4j.InvalidArgumentException;

/**
 * Linear multistep (Adams–Bashforth on a variable grid; k-diffusion's {@code sample_lms}, after Karras et al.
 * 2022, Appendix D.1): {@code x_{i+1} = x_i + Σ_j c_j·d_{i−j}}, where
 * {@code c_j = ∫_{σ_i}^{σ_{i+1}} Π_{k≠j} (τ − σ_{i−k})/(σ_{i−j} − σ_{i−k}) dτ} integrates the Lagrange
 * polynomial through the last {@code order} derivatives. The order ramps up over the first steps. The integrand is
 * a polynomial of degree order − 1, so 4-point Gauss–Legendre quadrature gives the coefficients exactly (up to
 * order 8); k-diffusion's adaptive quadrature returns the same numbers.
 *
 * @param order number of derivatives combined (4 by default)
 */
public record Lms(int order) implements SteppedSampler {
    private static final double[] NODES = {-0.8611363115940526, -0.3399810435848563, 0.3399810435848563,
        0.8611363115940526};
    private static final double[] WEIGHTS = {0.3478548451374538, 0.6521451548625461, 0.6521451548625461,
        0.3478548451374538};

    public Lms {
        if (order < 1 || order > 8) {
            throw new InvalidArgumentException("lms order must be 1 … 8, got " + order);
        }
    }

    public Lms() {
        this(4);
    }

    @Override
    public String name() {
        return "lms";
    }

    @Override
    public int history() {
        return order - 1;
    }

    @Override
    public NDArray step(Step step, NDArray x) {
        double sigma = step.sigma();
        NDArray d = OdeDerivative.of(x, step.denoise(x, sigma), sigma);
        step.remember("d", d);
        int i = step.index();
        int currentOrder = Math.min(i + 1, order);
        double[] sigmas = step.sigmas();
        NDArray update = d.mul(coefficient(currentOrder, sigmas, i, 0));
        for (int j = 1; j < currentOrder; j++) {
            update = update.add(step.previous("d", j).mul(coefficient(currentOrder, sigmas, i, j)));
        }
        return x.add(update);
    }

    /** c_j for step i: the integral over [σ_i, σ_{i+1}] of the Lagrange basis polynomial of node σ_{i−j}. */
    static double coefficient(int order, double[] sigmas, int i, int j) {
        double a = sigmas[i];
        double b = sigmas[i + 1];
        double sum = 0;
        for (int q = 0; q < NODES.length; q++) {
            double tau = 0.5 * (a + b) + 0.5 * (b - a) * NODES[q];
            double product = 1;
            for (int k = 0; k < order; k++) {
                if (k != j) {
                    product *= (tau - sigmas[i - k]) / (sigmas[i - j] - sigmas[i - k]);
                }
            }
            sum += WEIGHTS[q] * product;
        }
        return 0.5 * (b - a) * sum;
    }
}
