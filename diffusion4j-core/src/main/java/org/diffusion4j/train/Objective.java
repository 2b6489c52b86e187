package org.diffusion4j.train;

import ai.djl.ndarray.NDArray;
import org.diffusion4j.backend.NativeArrays;
import org.diffusion4j.denoise.Preconditioning;
import org.diffusion4j.denoise.ProcessCoefficients;
import org.diffusion4j.nn.Network;
import org.diffusion4j.process.NoiseSchedule;

/**
 * The denoising objective shared by every prediction target (Karras et al. 2022, eq. 8 in the F-space form):
 * corrupt {@code x_t = α(t)·x_0 + σ(t)·ε} (or {@code α(t)·A(x_0) + σ(t)·ε} under a degradation A), ask the network for F at (c_in·x_t, c_noise), regress onto the target
 * F* of the {@link Preconditioning}: {@code L = mean ‖F − F*‖²}, or {@code mean w(t)·‖F − F*‖²} with one of SiT's
 * {@link LossWeight}s. The loss weights of EDM, DDPM's "simple" loss,
 * v-prediction and flow matching are all expressed by the target's scaling, so the mean squared error is the loss.
 */
public record Objective(Preconditioning preconditioning, LossWeight weight) implements TrainingObjective {

    /** The unweighted objective. */
    public Objective(Preconditioning preconditioning) {
        this(preconditioning, LossWeight.NONE);
    }

    public Objective {
        weight.check(preconditioning.prediction());
    }

    @Override
    public NDArray loss(Network network, NDArray x0, NDArray labels, double[] t, NDArray noise, boolean training) {
        NoiseSchedule schedule = preconditioning.schedule();
        ProcessCoefficients c = ProcessCoefficients.perSample(schedule, t, x0);
        NDArray xt = preconditioning.degrade(x0, t).mul(c.alpha()).add(noise.mul(c.sigma()));
        NDArray output = network.forward(preconditioning.input(xt, c), preconditioning.noiseLabel(t, x0), labels,
                training);
        NDArray error = output.sub(preconditioning.target(x0, xt, c));
        NDArray squared = error.mul(error);
        if (weight == LossWeight.NONE) {
            return squared.mean();
        }
        double[] w = new double[t.length];
        for (int i = 0; i < t.length; i++) {
            w[i] = weight.weight(schedule, t[i], preconditioning.prediction());
        }
        return squared.mul(NativeArrays.perSample(w, squared)).mean();
    }
}
