package org.diffusion4j.ode;

import ai.djl.ndarray.NDArray;
import org.diffusion4j.denoise.Denoiser;

/**
 * Solves the probability-flow ODE of the EDM view, {@code dx/dσ = (x − D(x; σ))/σ} (Karras et al. 2022, eq. 3),
 * to high accuracy. It is integrated in u = log σ, where it reads {@code dx/du = x − D(x; e^u)}: smooth over the
 * whole range, so an adaptive solver needs few steps per decade of σ.
 */
public final class ProbabilityFlow {
    private ProbabilityFlow() {}

    /** The exact flow (to the solver's tolerance) of {@code x} from level {@code from} to level {@code to > 0}. */
    public static DormandPrince.Solution solve(Denoiser denoiser, NDArray x, double from, double to,
            DormandPrince solver) {
        return solver.solve((u, y) -> y.sub(denoiser.denoise(y, Math.exp(u))), x, Math.log(from), Math.log(to));
    }
}
