package org.diffusion4j.phase;

import ai.djl.ndarray.NDArray;
import org.diffusion4j.sample.NoiseSource;

/** Euler's method on the probability flow: {@code z_s = z_t − (t − s)·(F_t z_t − ½G_tG_tᵀ s(z_t, t))}. One call. */
public record PsldEuler() implements PhaseSampler {

    @Override
    public String name() {
        return "euler";
    }

    @Override
    public NDArray step(Psld process, PhaseScore score, NDArray z, double t, double s, NoiseSource noise) {
        return z.sub(PhaseSampler.drift(process, score, z, t).mul(t - s));
    }
}
