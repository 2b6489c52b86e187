package org.diffusion4j.phase;

import ai.djl.ndarray.NDArray;
import java.util.function.DoubleFunction;
import org.apache.commons.math3.analysis.integration.gauss.GaussIntegrator;
import org.apache.commons.math3.analysis.integration.gauss.GaussIntegratorFactory;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.sample.NoiseSource;

/**
 * The conjugate integrator of Pandey et al. (2024, Section 3) with B_t = λI for PSLD, in the ε-parameterization of
 * its network, {@code s(z, t) = −L_t⁻ᵀε(z, t)} with Σ_t = L_tL_tᵀ the conditional covariance. The probability flow
 * {@code dz/dt = F_t z + ½G_tG_tᵀL_t⁻ᵀε} is transformed by {@code A_t = e^{λt}·exp(−∫₀ᵗF)}, which leaves
 * {@code dẑ/dt = λẑ + Φ′_t ε} with {@code Φ′_t = ½A_tG_tG_tᵀL_t⁻ᵀ}; Euler there and back gives, for t → s = t − h,
 * <pre>
 * z_s = (1 − λh)·e^{λh}·E(t, s)·z_t − [∫_s^t ½e^{λ(u − s)}·E(u, s)·β(u)·diag(Γ, Mν)·L_u⁻ᵀ du]·ε(z_t, t)
 * </pre>
 * with E(u, s) the process's transition (exact for PSLD's constant-shape drift) and the 2×2 integral by
 * Gauss–Legendre quadrature. λ = 0 is the exponential integrator (their Proposition 2): with ε frozen it is the
 * exact solution of the linear ODE. λ &gt; 0 trades that exactness for stability at large steps.
 *
 * @param lambda λ ≥ 0
 */
public record PsldConjugate(double lambda) implements PhaseSampler {
    private static final GaussIntegratorFactory RULES = new GaussIntegratorFactory();

    public PsldConjugate {
        if (!(lambda >= 0)) {
            throw new InvalidArgumentException("the conjugate integrator needs λ ≥ 0, got " + lambda);
        }
    }

    @Override
    public String name() {
        return lambda == 0 ? "conjugate" : "conjugate:lambda=" + lambda;
    }

    @Override
    public NDArray step(Psld process, PhaseScore score, NDArray z, double t, double s, NoiseSource noise) {
        Matrix2 cholesky = process.conditionalCovariance(t).cholesky();
        NDArray epsilon = PhaseState.apply(cholesky.transpose().times(-1), score.score(z, t));
        return stateStep(process, z, epsilon, t, s);
    }

    /** The step with the network's ε given. */
    NDArray stateStep(Psld process, NDArray z, NDArray epsilon, double t, double s) {
        double h = t - s;
        Matrix2 linear = process.transition(t, s).times((1 - lambda * h) * Math.exp(lambda * h));
        return PhaseState.apply(linear, z).sub(PhaseState.apply(noiseCoefficient(process, t, s), epsilon));
    }

    /** ∫_s^t ½e^{λ(u − s)}·E(u, s)·β(u)·diag(Γ, Mν)·L_u⁻ᵀ du, by adaptive Gauss–Legendre. */
    Matrix2 noiseCoefficient(Psld process, double t, double s) {
        Matrix2 diffusion = Matrix2.diagonal(process.gamma(), process.mass() * process.nu());
        DoubleFunction<Matrix2> integrand = u -> process.transition(u, s)
                .times(diffusion.times(0.5 * Math.exp(lambda * (u - s)) * process.beta(u)))
                .times(process.conditionalCovariance(u).cholesky().inverse().transpose());
        return integral(integrand, s, t);
    }

    /** ∫_a^b f, by adaptive Gauss–Legendre (the conjugate splitting samplers use it too). */
    static Matrix2 integral(DoubleFunction<Matrix2> f, double a, double b) {
        return adaptive(f, a, b, panel(f, a, b), 30);
    }

    /** Bisects until two halves agree with the whole to 1e-13 (relative to its size). */
    private static Matrix2 adaptive(DoubleFunction<Matrix2> f, double a, double b, Matrix2 whole, int depth) {
        double mid = (a + b) / 2;
        Matrix2 left = panel(f, a, mid);
        Matrix2 right = panel(f, mid, b);
        Matrix2 halves = left.plus(right);
        Matrix2 change = halves.minus(whole);
        double size = Math.abs(halves.a()) + Math.abs(halves.b()) + Math.abs(halves.c()) + Math.abs(halves.d());
        double error = Math.abs(change.a()) + Math.abs(change.b()) + Math.abs(change.c()) + Math.abs(change.d());
        if (depth == 0 || error <= 1e-13 * Math.max(size, 1e-300)) {
            return halves;
        }
        return adaptive(f, a, mid, left, depth - 1).plus(adaptive(f, mid, b, right, depth - 1));
    }

    /** Eight-point Gauss–Legendre on [a, b]. */
    private static Matrix2 panel(DoubleFunction<Matrix2> f, double a, double b) {
        GaussIntegrator rule = RULES.legendre(8, a, b);
        Matrix2 sum = new Matrix2(0, 0, 0, 0);
        for (int i = 0; i < rule.getNumberOfPoints(); i++) {
            sum = sum.plus(f.apply(rule.getPoint(i)).times(rule.getWeight(i)));
        }
        return sum;
    }
}
