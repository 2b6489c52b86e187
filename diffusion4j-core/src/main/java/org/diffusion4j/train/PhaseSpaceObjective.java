package org.diffusion4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.backend.Differentiable;
import org.diffusion4j.backend.NativeArrays;
import org.diffusion4j.denoise.Preconditioning;
import org.diffusion4j.nn.Network;
import org.diffusion4j.phase.Matrix2;
import org.diffusion4j.phase.PhaseState;
import org.diffusion4j.phase.Psld;

/**
 * Hybrid score matching for a phase-space process (Dockhorn et al. 2022, eq. 9; PSLD, Pandey &amp; Mandt 2023): the
 * state z_t = [x_t, m_t] is drawn given x_0 alone, {@code z_t = μ_t + L_t·ε} with {@code μ_t = E(0, t)·[x_0, 0]},
 * {@code L_tL_tᵀ} the conditional covariance {@link Psld#conditionalCovariance} (which carries the initial velocity
 * variance γM) and ε standard normal on both halves; the network sees z_t and the noise label of t, and regresses
 * onto ε: {@code L = mean ‖ε_θ(z_t, t) − ε‖²}. The score of the marginal is then {@code −L_t⁻ᵀ·ε_θ}. The network's
 * input and output have twice the data's channels (axis 1).
 *
 * @param process the phase-space process
 * @param preconditioning the network's conventions: {@code epsilon} prediction, unscaled input, and the noise label
 */
@Differentiable
public record PhaseSpaceObjective(Psld process, Preconditioning preconditioning) implements TrainingObjective {

    public PhaseSpaceObjective {
        requireEpsilon(preconditioning);
    }

    /** Checks that {@code preconditioning} describes an ε-predicting network on unscaled phase-space states. */
    static void requireEpsilon(Preconditioning preconditioning) {
        if (!preconditioning.prediction().equals("epsilon") || preconditioning.scaleInput()
                || preconditioning.degradation() != null) {
            throw new InvalidArgumentException("a phase-space model predicts ε from the unscaled state: its "
                    + "preconditioning needs prediction epsilon, scale_input false and no degradation, got prediction "
                    + preconditioning.prediction() + ", scale_input " + preconditioning.scaleInput()
                    + ", degradation " + preconditioning.degradation());
        }
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
        NDArray error = output.sub(noise);
        return error.mul(error).mean();
    }

    /** z_t = E(0, t)·[x_0, 0] + L_t·ε, each sample at its own time. */
    public NDArray corrupt(NDArray x0, double[] t, NDArray noise) {
        int n = t.length;
        double[] ea = new double[n];
        double[] ec = new double[n];
        double[] l11 = new double[n];
        double[] l21 = new double[n];
        double[] l22 = new double[n];
        for (int i = 0; i < n; i++) {
            Matrix2 e = process.transition(t[i]);
            Matrix2 l = process.conditionalCovariance(t[i]).cholesky();
            ea[i] = e.a();
            ec[i] = e.c();
            l11[i] = l.a();
            l21[i] = l.c();
            l22[i] = l.d();
        }
        NDArray ex = PhaseState.position(noise);
        NDArray em = PhaseState.velocity(noise);
        NDArray x = x0.mul(NativeArrays.perSample(ea, x0)).add(ex.mul(NativeArrays.perSample(l11, x0)));
        NDArray m = x0.mul(NativeArrays.perSample(ec, x0)).add(ex.mul(NativeArrays.perSample(l21, x0)))
                .add(em.mul(NativeArrays.perSample(l22, x0)));
        return PhaseState.join(x, m);
    }
}
