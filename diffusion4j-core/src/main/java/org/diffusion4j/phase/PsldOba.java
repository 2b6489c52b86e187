package org.diffusion4j.phase;

import ai.djl.ndarray.NDArray;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.sample.NoiseSource;

/**
 * The stochastic splitting OBA of Pandey et al. (2024, Section 4) for the PSLD reverse SDE, in molecular-dynamics
 * naming (O: the momentum's friction, score and noise; B: the momentum's kick by the position; A: the position's
 * update), with h = t − s:
 * <pre>
 * O:  m₁ = m + h(β/2)(νm + 2Mν·s_m) + √(Mνβh)·ξ_m
 * B:  m₂ = m₁ + h(β/2)·x
 * A:  x′ = x + h(β/2)(Γx − M⁻¹m₂ + (1 + λ_s²)Γ·s_x) + λ_s·√(Γβh)·ξ_x
 * </pre>
 * λ_s controls the noise in the position update while keeping the marginals (λ_s = 1: the full reverse SDE; λ_s = 0:
 * the position moves by the probability flow). ROBA (reduced, 1 call) takes s_x from the same call as s_m; NOBA
 * (naive, 2 calls) evaluates s_x again at (x, m₂, s). The placement of λ_s is our reading of the paper, which tunes it
 * by grid search.
 *
 * @param noiseControl λ_s ≥ 0
 * @param reduced ROBA (one call) instead of NOBA (two)
 */
public record PsldOba(double noiseControl, boolean reduced) implements PhaseSampler {

    public PsldOba {
        if (!(noiseControl >= 0)) {
            throw new InvalidArgumentException("OBA needs λ_s ≥ 0, got " + noiseControl);
        }
    }

    @Override
    public String name() {
        return (reduced ? "roba" : "noba") + ":lambda_s=" + noiseControl;
    }

    @Override
    public int evaluationsPerStep() {
        return reduced ? 1 : 2;
    }

    @Override
    public boolean isStochastic() {
        return true;
    }

    @Override
    public NDArray step(Psld p, PhaseScore score, NDArray z, double t, double s, NoiseSource noise) {
        double h = t - s;
        double c = h * p.beta(t) / 2;
        NDArray x = PhaseState.position(z);
        NDArray m = PhaseState.velocity(z);
        NDArray first = score.score(z, t);
        NDArray xi = noise.sample(z, t, s);
        NDArray m1 = m.add(m.mul(c * p.nu())).add(PhaseState.velocity(first).mul(2 * c * p.mass() * p.nu()))
                .add(PhaseState.velocity(xi).mul(Math.sqrt(p.mass() * p.nu() * p.beta(t) * h)));
        NDArray m2 = m1.add(x.mul(c));
        NDArray sx = reduced ? PhaseState.position(first)
                : PhaseState.position(score.score(PhaseState.join(x, m2), s));
        double lambda2 = noiseControl * noiseControl;
        NDArray x1 = x.add(x.mul(c * p.gamma())).sub(m2.mul(c * p.massInverse()))
                .add(sx.mul(c * (1 + lambda2) * p.gamma()))
                .add(PhaseState.position(xi).mul(noiseControl * Math.sqrt(p.gamma() * p.beta(t) * h)));
        return PhaseState.join(x1, m2);
    }
}
