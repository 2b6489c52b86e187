package org.diffusion4j.phase;

import ai.djl.ndarray.NDArray;
import org.diffusion4j.sample.NoiseSource;

/**
 * Euler–Maruyama on the reverse SDE (the PSLD code's baseline): {@code z_s = z_t − h·(F_t z_t − G_tG_tᵀ·s(z_t, t))
 * + √h·G_t·ξ}, h = t − s. One call.
 */
public record PsldEulerMaruyama() implements PhaseSampler {

    @Override
    public String name() {
        return "euler-maruyama";
    }

    @Override
    public boolean isStochastic() {
        return true;
    }

    @Override
    public NDArray step(Psld process, PhaseScore score, NDArray z, double t, double s, NoiseSource noise) {
        double h = t - s;
        Matrix2 g2 = process.diffusionSquared(t);
        NDArray drift = PhaseState.apply(process.drift(t), z).sub(PhaseState.apply(g2, score.score(z, t)));
        Matrix2 spread = Matrix2.diagonal(Math.sqrt(g2.a() * h), Math.sqrt(g2.d() * h));
        return z.sub(drift.mul(h)).add(PhaseState.apply(spread, noise.sample(z, t, s)));
    }
}
