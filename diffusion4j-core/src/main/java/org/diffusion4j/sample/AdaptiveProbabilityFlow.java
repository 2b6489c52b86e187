package org.diffusion4j.sample;

import ai.djl.ndarray.NDArray;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.backend.StepScope;
import org.diffusion4j.denoise.Denoiser;
import org.diffusion4j.grid.Grid;
import org.diffusion4j.ode.DormandPrince;
import org.diffusion4j.ode.NonFiniteStateException;
import org.diffusion4j.ode.ProbabilityFlow;

/**
 * The probability-flow ODE solved by adaptive Dormand–Prince 5(4) (Dormand &amp; Prince 1980), as SiT and
 * score-SDE sample with torchdiffeq's {@code dopri5}: steps are accepted when the RMS over the batch of
 * {@code err/(atol + rtol·max(|y₀|, |y₁|))} is at most 1. Only the grid's ends matter: the flow is solved from σ_0
 * to the last positive level, and a final 0 is reached by one denoiser call, as for the fixed-step samplers. The
 * evaluations taken are counted like any sampler's (NFE).
 *
 * @param rtol relative tolerance
 * @param atol absolute tolerance
 */
public record AdaptiveProbabilityFlow(double rtol, double atol) implements Sampler {

    public AdaptiveProbabilityFlow {
        if (!(rtol > 0 && atol > 0)) {
            throw new InvalidArgumentException("dopri5 needs positive tolerances, got rtol " + rtol + ", atol "
                    + atol);
        }
    }

    /** SiT's defaults, rtol 1e-3 and atol 1e-6. */
    public AdaptiveProbabilityFlow() {
        this(1e-3, 1e-6);
    }

    @Override
    public String name() {
        return "dopri5";
    }

    @Override
    public NDArray sample(Denoiser denoiser, NDArray input, Grid grid, NoiseSource noise, StepCallback callback) {
        int last = grid.endsAtZero() ? grid.steps() - 1 : grid.steps();
        double sigmaMin = grid.sigma(last);
        NDArray x;
        try {
            x = ProbabilityFlow.solve(denoiser, input, grid.sigma(0), sigmaMin,
                    DormandPrince.withTolerance(rtol, atol)).y();
        } catch (NonFiniteStateException e) {
            throw new NonFiniteSampleException(String.format(
                    "sampler %s produced non-finite values below σ %.6g (after %d accepted steps of the flow from "
                            + "σ %.6g to %.6g)", name(), Math.exp(e.time()), e.accepted(), grid.sigma(0), sigmaMin));
        }
        if (!grid.endsAtZero()) {
            return x;
        }
        try (StepScope scope = StepScope.open(x.getManager(), x)) {
            NDArray denoised = scope.keep(denoiser.denoise(x, sigmaMin));
            callback.onStep(new StepInfo(last, grid.steps(), sigmaMin, sigmaMin, x, denoised));
            return denoised;
        }
    }
}
