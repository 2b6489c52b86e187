package org.diffusion4j.phase;

import ai.djl.ndarray.NDArray;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.backend.Differentiable;
import org.diffusion4j.backend.NativeArrays;
import org.diffusion4j.denoise.Preconditioning;

/**
 * How a phase-space network's output F becomes the ε of z_t = μ_t + L_tε, shared by training and sampling. The
 * preconditioning's {@code prediction} chooses:
 * <ul>
 *   <li>{@code epsilon}: ε_θ = F (PSLD's code).</li>
 *   <li>{@code edm}: EDM's skip/out split carried over to the augmented state, which is CLD's "mixed score"
 *       (Dockhorn et al. 2022: the analytic score of a Gaussian plus a learned residual) with EDM's output scale:
 *       <pre>
 *   ε_θ = c_skip(t)·z + c_out(t)·F,   c_skip = L_tᵀG_t⁻¹,   c_out = σ_d|w_t| / √(1 + σ_d²|w_t|²)
 *       </pre>
 *       on every (x, m) pair, with G_t = Σ_t + σ_d²·E_te₁e₁ᵀE_tᵀ the covariance of z_t when x_0 ~ N(0, σ_d²) and
 *       w_t = L_t⁻¹E_te₁. The skip is the exact posterior mean of ε for that Gaussian, so the score is
 *       −G_t⁻¹z + (learned residual): linear however far a state strays, and exact as t → 1 where the residual's
 *       scale c_out → 0. Since ε = L_t⁻¹z − w_t·x_0, the true residual lies along w_t and c_out is its standard
 *       deviation under that Gaussian, so the network's target has unit scale. Without it, a network whose output
 *       saturates off the training distribution leaves the probability flow's friction term (β/2)νm uncancelled,
 *       and deterministic integrators blow up.</li>
 * </ul>
 * The network sees z unscaled, so the preconditioning needs {@code scale_input} false and no degradation.
 *
 * @param process the phase-space process
 * @param preconditioning the network's conventions
 */
@Differentiable
public record PhaseEpsilon(Psld process, Preconditioning preconditioning) {

    public PhaseEpsilon {
        check(preconditioning);
    }

    /** Checks that {@code preconditioning} describes a phase-space network: ε or mixed prediction, unscaled input. */
    public static void check(Preconditioning preconditioning) {
        boolean known = preconditioning.prediction().equals("epsilon") || preconditioning.prediction().equals("edm");
        if (!known || preconditioning.scaleInput() || preconditioning.degradation() != null) {
            throw new InvalidArgumentException("a phase-space model takes the unscaled state and predicts ε "
                    + "(prediction epsilon, or edm for the mixed score); its preconditioning needs prediction epsilon "
                    + "or edm, scale_input false and no degradation, got prediction " + preconditioning.prediction()
                    + ", scale_input " + preconditioning.scaleInput() + ", degradation "
                    + preconditioning.degradation());
        }
    }

    /** Whether the network outputs a residual to the Gaussian reference ({@code edm}) rather than ε itself. */
    public boolean mixed() {
        return preconditioning.prediction().equals("edm");
    }

    /** c_skip(t) = L_tᵀG_t⁻¹ (zero for plain ε-prediction). */
    public Matrix2 skip(double t) {
        if (!mixed()) {
            return Matrix2.diagonal(0, 0);
        }
        double variance = preconditioning.sigmaData() * preconditioning.sigmaData();
        Matrix2 reference = process.covariance(0, t, Matrix2.diagonal(variance, process.initialVelocityVariance()));
        return process.conditionalCovariance(t).cholesky().transpose().times(reference.inverse());
    }

    /** c_out(t) (one for plain ε-prediction). */
    public double outScale(double t) {
        if (!mixed()) {
            return 1;
        }
        Matrix2 e = process.transition(t);
        double[] w = process.conditionalCovariance(t).cholesky().inverse().apply(e.a(), e.c());
        double sigma = preconditioning.sigmaData();
        double norm = Math.hypot(w[0], w[1]);
        return sigma * norm / Math.sqrt(1 + sigma * sigma * norm * norm);
    }

    /** ε_θ for a batch whose sample i is at time {@code t[i]}, from the network's {@code output} at state z. */
    public NDArray epsilon(NDArray output, NDArray z, double[] t) {
        if (!mixed()) {
            return output;
        }
        int n = t.length;
        Matrix2[] skips = new Matrix2[n];
        double[] scales = new double[n];
        for (int i = 0; i < n; i++) {
            skips[i] = skip(t[i]);
            scales[i] = outScale(t[i]);
        }
        return PhaseState.apply(skips, z).add(output.mul(NativeArrays.perSample(scales, output)));
    }
}
