package org.diffusion4j.phase;

import ai.djl.ndarray.NDArray;
import org.diffusion4j.sample.NoiseSource;

/**
 * The symmetric splitting sampler SSCS of CLD (Dockhorn et al. 2022, Section 3.3 and Appendix E) on the PSLD
 * reverse SDE. In reverse time τ the SDE {@code dz = [−F z + GGᵀ s] dτ + G dW} splits, with Σ_∞ the stationary
 * covariance, into a linear part that the process solves exactly and a part that carries the learned score:
 * <pre>
 * A:  dz = −(F + GGᵀΣ_∞⁻¹)·z dτ + G dW      (the reversed stationary process; drift (β/2)·Σ_∞KᵀΣ_∞⁻¹)
 * S:  dz = GGᵀ·(s(z) + Σ_∞⁻¹z) dτ            (zero where the data are already the stationary law)
 * </pre>
 * One step from t to s = t − h is A(h/2), S(h) by Euler, A(h/2); the score is asked at the step's start time t (as in
 * the CLD and DEIS reference code), at the state the first half-step reached. A is exact: over
 * a stretch with ∫β = ΔB its mean map is {@code Σ_∞·E(ΔB)ᵀ·Σ_∞⁻¹} and its covariance {@code Σ_∞ − mean·Σ_∞·meanᵀ};
 * S integrates β over the step exactly. One call per step.
 */
public record PsldSscs() implements PhaseSampler {

    @Override
    public String name() {
        return "sscs";
    }

    @Override
    public boolean isStochastic() {
        return true;
    }

    @Override
    public NDArray step(Psld p, PhaseScore score, NDArray z, double t, double s, NoiseSource noise) {
        double mid = 0.5 * (t + s);
        NDArray half = linear(p, z, t, mid, noise.sample(z, t, mid));
        Matrix2 stationaryInverse = p.stationaryCovariance().inverse();
        Matrix2 kick = Matrix2.diagonal(p.gamma(), p.mass() * p.nu())
                .times(p.integratedBeta(t) - p.integratedBeta(s));
        NDArray kicked = half.add(PhaseState.apply(kick, score.score(half, t)
                .add(PhaseState.apply(stationaryInverse, half))));
        return linear(p, kicked, mid, s, noise.sample(z, mid, s));
    }

    /** The exact A flow from time t down to s, with standard normal {@code xi}. */
    private static NDArray linear(Psld p, NDArray z, double t, double s, NDArray xi) {
        Matrix2 stationary = p.stationaryCovariance();
        Matrix2 mean = stationary.times(p.transition(s, t).transpose()).times(stationary.inverse());
        Matrix2 spread = stationary.minus(mean.times(stationary).times(mean.transpose())).cholesky();
        return PhaseState.apply(mean, z).add(PhaseState.apply(spread, xi));
    }
}
