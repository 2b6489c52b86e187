package org.diffusion4j.phase;

import ai.djl.ndarray.NDArray;
import java.util.Locale;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.sample.NoiseSource;

/**
 * The deterministic conjugate splitting samplers of Pandey et al. (2024; their CSPS-D is this hybrid): the reduced
 * splittings of {@link PsldSplitting} with each position and momentum update done by a conjugate integrator with
 * B = λ in its own block ({@link ConjugateBlock}) instead of by Euler. In the network's ε form (s = −L_t⁻ᵀε,
 * L⁻ᵀ = [[p, q], [0, r]]), with h = t − s and the block coefficients (linear, coupling, score) of x (friction Γ) and
 * m (friction ν):
 * <pre>
 * A (position, m frozen):  x' = linear_x·x − M⁻¹·coupling_x·m − Γ·(∫wβp/2·ε_x + ∫wβq/2·ε_m)
 * B (momentum, x frozen):  m' = linear_m·m + coupling_m·x − Mν·∫wβr/2·ε_m
 * </pre>
 * CSE (conjugate RSE, 1 call): ε from (x, m, t); A(h), then B(h) with the same ε. CVV (conjugate RVV, 2 calls): ε
 * from (x, m, t); B(h/2) and A(h) with it; ε' from (x', m½, s); B(h/2). With the ε's frozen, λ = 0 makes every
 * sub-step the exact flow of its split ODE; as h → 0 each sub-step agrees with the Euler sub-step of RSE/RVV to
 * O(h²). The paper's algorithm listings were not available to check the placement against; the structure follows
 * its description (conjugate integrators applied to the reduced splitting's position and momentum updates).
 *
 * @param scheme CSE or CVV
 * @param lambda λ ≥ 0
 */
public record PsldConjugateSplitting(Scheme scheme, double lambda) implements PhaseSampler {

    /** The conjugate splittings: of the reduced symplectic Euler and the reduced velocity Verlet. */
    public enum Scheme {
        CSE, CVV
    }

    public PsldConjugateSplitting {
        if (!(lambda >= 0)) {
            throw new InvalidArgumentException("the conjugate splitting needs λ ≥ 0, got " + lambda);
        }
    }

    @Override
    public String name() {
        return scheme.name().toLowerCase(Locale.ROOT) + (lambda == 0 ? "" : ":lambda=" + lambda);
    }

    @Override
    public int evaluationsPerStep() {
        return scheme == Scheme.CSE ? 1 : 2;
    }

    @Override
    public NDArray step(Psld p, PhaseScore score, NDArray z, double t, double s, NoiseSource noise) {
        NDArray x = PhaseState.position(z);
        NDArray m = PhaseState.velocity(z);
        NDArray epsilon = epsilon(p, score, z, t);
        if (scheme == Scheme.CSE) {
            NDArray x1 = position(p, x, m, epsilon, t, s);
            return PhaseState.join(x1, momentum(p, x1, m, epsilon, t, s));
        }
        double mid = (t + s) / 2;
        NDArray mHalf = momentum(p, x, m, epsilon, t, mid);
        NDArray x1 = position(p, x, mHalf, epsilon, t, s);
        NDArray last = epsilon(p, score, PhaseState.join(x1, mHalf), s);
        return PhaseState.join(x1, momentum(p, x1, mHalf, last, mid, s));
    }

    /** The network's ε = −L_tᵀ·s(z, t). */
    static NDArray epsilon(Psld p, PhaseScore score, NDArray z, double t) {
        return PhaseState.apply(p.conditionalCovariance(t).cholesky().transpose().times(-1), score.score(z, t));
    }

    /** A from t down to s: the position block with m and ε frozen. */
    private NDArray position(Psld p, NDArray x, NDArray m, NDArray epsilon, double t, double s) {
        ConjugateBlock c = ConjugateBlock.of(p, lambda, p.gamma(), t, s);
        return x.mul(c.linear()).sub(m.mul(p.massInverse() * c.coupling()))
                .sub(PhaseState.position(PhaseState.apply(c.score(), epsilon)).mul(p.gamma()));
    }

    /** B from t down to s: the momentum block with x and ε frozen. */
    private NDArray momentum(Psld p, NDArray x, NDArray m, NDArray epsilon, double t, double s) {
        ConjugateBlock c = ConjugateBlock.of(p, lambda, p.nu(), t, s);
        return m.mul(c.linear()).add(x.mul(c.coupling()))
                .sub(PhaseState.velocity(epsilon).mul(p.mass() * p.nu() * c.score().d()));
    }
}
