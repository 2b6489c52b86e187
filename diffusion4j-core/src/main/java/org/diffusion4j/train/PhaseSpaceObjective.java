package org.diffusion4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import org.diffusion4j.backend.Differentiable;
import org.diffusion4j.denoise.Preconditioning;
import org.diffusion4j.nn.Network;
import org.diffusion4j.phase.Matrix2;
import org.diffusion4j.phase.PhaseEpsilon;
import org.diffusion4j.phase.PhaseState;
import org.diffusion4j.phase.Psld;

/**
 * Hybrid score matching for a phase-space process (Dockhorn et al. 2022, eq. 9; PSLD, Pandey &amp; Mandt 2023): the
 * state z_t = [x_t, m_t] is drawn given x_0 alone, {@code z_t = μ_t + L_t·ε} with {@code μ_t = E(0, t)·[x_0, 0]},
 * {@code L_tL_tᵀ} the conditional covariance {@link Psld#conditionalCovariance} (which carries the initial velocity
 * variance γM) and ε standard normal on both halves; the network sees z_t and the noise label of t, and regresses
 * onto ε: {@code L = mean ‖ε_θ(z_t, t) − ε‖²}. The score of the marginal is then {@code −L_t⁻ᵀ·ε_θ}. The network's
 * input and output have twice the data's channels (axis 1); {@link PhaseEpsilon} turns its output into ε_θ (plain,
 * or CLD's mixed score with EDM's output scale).
 *
 * @param process the phase-space process
 * @param preconditioning the network's conventions: {@code epsilon} or {@code edm} prediction, unscaled input, and
 *     the noise label
 */
@Differentiable
public record PhaseSpaceObjective(Psld process, Preconditioning preconditioning) implements TrainingObjective {

    public PhaseSpaceObjective {
        PhaseEpsilon.check(preconditioning);
    }

    @Override
    public Shape noiseShape(Shape batch) {
        long[] dims = batch.getShape().clone();
        dims[1] *= 2;
        return new Shape(dims);
    }

    @Override
    public NDArray loss(Network network, NDArray x0, NDArray labels, double[] t, NDArray noise, boolean training) {
        NDArray zt = corrupt(x0, t, noise);
        NDArray output = network.forward(zt, preconditioning.noiseLabel(t, x0), labels, training);
        NDArray error = new PhaseEpsilon(process, preconditioning).epsilon(output, zt, t).sub(noise);
        return error.mul(error).mean();
    }

    /** z_t = E(0, t)·[x_0, 0] + L_t·ε, each sample at its own time. */
    public NDArray corrupt(NDArray x0, double[] t, NDArray noise) {
        int n = t.length;
        Matrix2[] transitions = new Matrix2[n];
        Matrix2[] factors = new Matrix2[n];
        for (int i = 0; i < n; i++) {
            transitions[i] = process.transition(t[i]);
            factors[i] = process.conditionalCovariance(t[i]).cholesky();
        }
        return PhaseState.apply(transitions, PhaseState.join(x0, x0.zerosLike()))
                .add(PhaseState.apply(factors, noise));
    }
}
