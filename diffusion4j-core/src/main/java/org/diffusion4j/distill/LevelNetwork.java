package org.diffusion4j.distill;

import ai.djl.ndarray.NDArray;
import org.diffusion4j.backend.Differentiable;
import org.diffusion4j.denoise.Preconditioning;
import org.diffusion4j.denoise.ProcessCoefficients;
import org.diffusion4j.nn.Network;
import org.diffusion4j.nn.NetworkFunction;
import org.diffusion4j.process.NoiseSchedule;

/**
 * A network under its preconditioning, called at one EDM level per sample: {@code D(x; σ̃_i) = x̂_0(α(t_i)·x, t_i)}
 * at the time t_i of each sample's level (the {@code EdmView} of a network denoiser, per sample). Differentiable:
 * gradients reach the weights when the caller records them.
 *
 * @param network the network
 * @param preconditioning its preconditioning (process, prediction, c_in, c_noise)
 */
@Differentiable
record LevelNetwork(NetworkFunction network, Preconditioning preconditioning) {

    /** The data estimates of {@code x} (EDM view, batch first) at {@code sigma[i] > 0}, without dropout. */
    NDArray denoise(NDArray x, double[] sigma, NDArray labels) {
        Inputs in = inputs(x, sigma);
        NDArray output = network.apply(in.input(), in.noiseLabel(), labels);
        return preconditioning.toData(output, in.xt(), in.coefficients());
    }

    /** The network's bottleneck features at the same inputs as {@link #denoise}. */
    NDArray features(NDArray x, double[] sigma, NDArray labels) {
        if (!(network instanceof Network trained)) {
            throw new IllegalStateException("features need a network of this library");
        }
        Inputs in = inputs(x, sigma);
        return trained.features(in.input(), in.noiseLabel(), labels, false);
    }

    private record Inputs(NDArray xt, ProcessCoefficients coefficients, NDArray input, NDArray noiseLabel) {}

    private Inputs inputs(NDArray x, double[] sigma) {
        Teacher.check(x, sigma);
        NoiseSchedule schedule = preconditioning.schedule();
        double[] t = new double[sigma.length];
        for (int i = 0; i < t.length; i++) {
            t[i] = schedule.timeOfEdmSigma(sigma[i]);
        }
        ProcessCoefficients c = ProcessCoefficients.perSample(schedule, t, x);
        NDArray xt = x.mul(c.alpha());
        return new Inputs(xt, c, preconditioning.input(xt, c), preconditioning.noiseLabel(t, x));
    }
}
