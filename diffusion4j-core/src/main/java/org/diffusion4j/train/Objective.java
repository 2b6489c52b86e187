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
        NDArray squared = pass(network, x0, labels, t, noise, training).squared();
        if (weight == LossWeight.NONE) {
            return squared.mean();
        }
        return squared.mul(NativeArrays.perSample(weights(t), squared)).mean();
    }

    /**
     * The loss of each sample (the mean over its values of w(t)·(F − F*)², so that {@link #loss} is their mean) and
     * the network's output F: what preference fine-tuning compares between the policy and its reference.
     */
    public PerSample perSample(Network network, NDArray x0, NDArray labels, double[] t, NDArray noise,
            boolean training) {
        Pass pass = pass(network, x0, labels, t, noise, training);
        NDArray squared = pass.squared().reshape(t.length, -1).mean(new int[] {1});
        return new PerSample(weight == LossWeight.NONE ? squared : squared.mul(NativeArrays.perSample(weights(t),
                squared)), pass.output());
    }

    /**
     * A batch's per-sample losses and the network's output.
     *
     * @param loss one value per sample
     * @param output the network's output F, shaped like the samples
     */
    public record PerSample(NDArray loss, NDArray output) {}

    /** The network's output on the corrupted batch and its squared error against the target, element-wise. */
    private record Pass(NDArray output, NDArray squared) {}

    private Pass pass(Network network, NDArray x0, NDArray labels, double[] t, NDArray noise, boolean training) {
        NoiseSchedule schedule = preconditioning.schedule();
        ProcessCoefficients c = ProcessCoefficients.perSample(schedule, t, x0);
        NDArray xt = preconditioning.degrade(x0, t).mul(c.alpha()).add(noise.mul(c.sigma()));
        NDArray output = network.forward(preconditioning.input(xt, c), preconditioning.noiseLabel(t, x0), labels,
                training);
        NDArray error = output.sub(preconditioning.target(x0, xt, c));
        return new Pass(output, error.mul(error));
    }

    private double[] weights(double[] t) {
        double[] w = new double[t.length];
        for (int i = 0; i < t.length; i++) {
            w[i] = weight.weight(preconditioning.schedule(), t[i], preconditioning.prediction());
        }
        return w;
    }
}
