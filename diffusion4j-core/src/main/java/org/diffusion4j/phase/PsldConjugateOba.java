package org.diffusion4j.phase;

import ai.djl.ndarray.NDArray;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.sample.NoiseSource;

/**
 * The stochastic conjugate splitting COBA of Pandey et al. (2024): {@link PsldOba}'s reduced OBA (one call) with the
 * O and A updates done by a conjugate integrator with B = λ in their block ({@link ConjugateBlock}, w the block's
 * weight), the Brownian terms integrated exactly (Euler–Maruyama in the conjugate variable), h = t − s:
 * <pre>
 * O:  m₁ = linear_m·m − 2Mν·∫wβr/2·ε_m + √(Mν·∫w²β)·ξ_m
 * B:  m₂ = m₁ + ½(B(t) − B(s))·x
 * A:  x' = linear_x·x − M⁻¹·coupling_x·m₂ − (1 + λ_s²)Γ·(∫wβp/2·ε_x + ∫wβq/2·ε_m) + λ_s·√(Γ·∫w²β)·ξ_x
 * </pre>
 * with ε = −L_tᵀs(x, m, t) from the one call. B has no linear part and is integrated exactly. As h → 0 each update
 * agrees with ROBA's; the paper reports this hybrid behind ROBA on CIFAR-10 (it suspects its choice of B_t).
 *
 * @param lambda λ ≥ 0
 * @param noiseControl λ_s ≥ 0
 */
public record PsldConjugateOba(double lambda, double noiseControl) implements PhaseSampler {

    public PsldConjugateOba {
        if (!(lambda >= 0 && noiseControl >= 0)) {
            throw new InvalidArgumentException("COBA needs λ ≥ 0 and λ_s ≥ 0, got " + lambda + " and " + noiseControl);
        }
    }

    @Override
    public String name() {
        return "coba:lambda=" + lambda + ",lambda_s=" + noiseControl;
    }

    @Override
    public boolean isStochastic() {
        return true;
    }

    @Override
    public NDArray step(Psld p, PhaseScore score, NDArray z, double t, double s, NoiseSource noise) {
        NDArray x = PhaseState.position(z);
        NDArray m = PhaseState.velocity(z);
        NDArray epsilon = PsldConjugateSplitting.epsilon(p, score, z, t);
        NDArray xi = noise.sample(z, t, s);
        ConjugateBlock o = ConjugateBlock.of(p, lambda, p.nu(), t, s);
        NDArray m1 = m.mul(o.linear()).sub(PhaseState.velocity(epsilon).mul(2 * p.mass() * p.nu() * o.score().d()))
                .add(PhaseState.velocity(xi).mul(Math.sqrt(p.mass() * p.nu() * o.noise())));
        NDArray m2 = m1.add(x.mul((p.integratedBeta(t) - p.integratedBeta(s)) / 2));
        ConjugateBlock a = ConjugateBlock.of(p, lambda, p.gamma(), t, s);
        double lambda2 = noiseControl * noiseControl;
        NDArray x1 = x.mul(a.linear()).sub(m2.mul(p.massInverse() * a.coupling()))
                .sub(PhaseState.position(PhaseState.apply(a.score(), epsilon)).mul((1 + lambda2) * p.gamma()))
                .add(PhaseState.position(xi).mul(noiseControl * Math.sqrt(p.gamma() * a.noise())));
        return PhaseState.join(x1, m2);
    }
}
