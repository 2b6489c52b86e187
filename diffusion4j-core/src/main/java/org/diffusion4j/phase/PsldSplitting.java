package org.diffusion4j.phase;

import ai.djl.ndarray.NDArray;
import java.util.Locale;
import org.diffusion4j.sample.NoiseSource;

/**
 * The splitting integrators of Pandey et al. (2024, Section 4) for the PSLD probability flow, which in reverse time
 * τ (a step h = t − s) splits into a position flow and a momentum kick:
 * <pre>
 * A:  dx/dτ = (β/2)(Γx − M⁻¹m + Γ·s_x)
 * B:  dm/dτ = (β/2)(x + νm + Mν·s_m)
 * </pre>
 * NSE (naive symplectic Euler, 2 calls): A(h) with the score at (x, m, t), then B(h) with the score at the new
 * (x′, m, t − h). NVV (naive velocity Verlet, 3 calls): B(h/2), A(h), B(h/2), each with a fresh score at its own
 * point. The reduced forms reuse one call for both components: RSE (1 call) takes s_x and s_m from (x, m, t); RVV (2
 * calls) takes the first half-kick and the drift from (x, m, t) and only the last half-kick from (x′, m½, t − h).
 * Their exact placement of the evaluations is reconstructed from the paper's principles (reuse the score, one call
 * gives both halves), not transcribed.
 *
 * @param scheme the splitting
 */
public record PsldSplitting(Scheme scheme) implements PhaseSampler {

    /** The splittings, by the paper's abbreviations. */
    public enum Scheme {
        NSE, RSE, NVV, RVV
    }

    @Override
    public String name() {
        return scheme.name().toLowerCase(Locale.ROOT);
    }

    @Override
    public int evaluationsPerStep() {
        return switch (scheme) {
            case RSE -> 1;
            case NSE, RVV -> 2;
            case NVV -> 3;
        };
    }

    @Override
    public NDArray step(Psld process, PhaseScore score, NDArray z, double t, double s, NoiseSource noise) {
        double h = t - s;
        NDArray x = PhaseState.position(z);
        NDArray m = PhaseState.velocity(z);
        NDArray first = score.score(z, t);
        return switch (scheme) {
            case NSE -> {
                NDArray x1 = position(process, x, m, PhaseState.position(first), t, h);
                NDArray sm = PhaseState.velocity(score.score(PhaseState.join(x1, m), s));
                yield PhaseState.join(x1, momentum(process, x1, m, sm, s, h));
            }
            case RSE -> {
                NDArray x1 = position(process, x, m, PhaseState.position(first), t, h);
                yield PhaseState.join(x1, momentum(process, x1, m, PhaseState.velocity(first), t, h));
            }
            case NVV -> {
                double mid = t - h / 2;
                NDArray mHalf = momentum(process, x, m, PhaseState.velocity(first), t, h / 2);
                NDArray sx = PhaseState.position(score.score(PhaseState.join(x, mHalf), mid));
                NDArray x1 = position(process, x, mHalf, sx, mid, h);
                NDArray sm = PhaseState.velocity(score.score(PhaseState.join(x1, mHalf), s));
                yield PhaseState.join(x1, momentum(process, x1, mHalf, sm, s, h / 2));
            }
            case RVV -> {
                NDArray mHalf = momentum(process, x, m, PhaseState.velocity(first), t, h / 2);
                NDArray x1 = position(process, x, mHalf, PhaseState.position(first), t, h);
                NDArray sm = PhaseState.velocity(score.score(PhaseState.join(x1, mHalf), s));
                yield PhaseState.join(x1, momentum(process, x1, mHalf, sm, s, h / 2));
            }
        };
    }

    /** A(h): x + h(β/2)(Γx − M⁻¹m + Γ·s_x), β at time u. */
    private static NDArray position(Psld p, NDArray x, NDArray m, NDArray sx, double u, double h) {
        double c = h * p.beta(u) / 2;
        return x.add(x.add(sx).mul(c * p.gamma())).sub(m.mul(c * p.massInverse()));
    }

    /** B(h): m + h(β/2)(x + νm + Mν·s_m), β at time u. */
    private static NDArray momentum(Psld p, NDArray x, NDArray m, NDArray sm, double u, double h) {
        double c = h * p.beta(u) / 2;
        return m.add(x.mul(c)).add(m.mul(c * p.nu())).add(sm.mul(c * p.mass() * p.nu()));
    }
}
