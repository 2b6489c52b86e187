package org.diffusion4j.phase;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import org.diffusion4j.backend.Differentiable;
import org.diffusion4j.denoise.Preconditioning;
import org.diffusion4j.nn.Network;
import org.diffusion4j.sample.GaussianNoise;
import org.diffusion4j.sample.Sampling;
import org.diffusion4j.sample.StepCallback;

/**
 * A network trained on a phase-space process (an ε-prediction over [x, m], plain or mixed: {@link PhaseEpsilon}) as
 * a sampler sees it: its score {@code s(z, t) = −L_t⁻ᵀ·ε_θ(z, t)} with {@code L_tL_tᵀ} the conditional covariance,
 * the prior N(0, I) × N(0, M·I), and generation by any {@link PhaseSampler} on PSLD's quadratic grid down to
 * {@link #END}.
 *
 * @param process the process the network was trained on
 * @param network the ε-network, input and output with twice the data's channels
 * @param preconditioning the network's conventions: its prediction and noise label
 */
@Differentiable
public record PhaseSpaceModel(Psld process, Network network, Preconditioning preconditioning) {

    /** PSLD's last sampling time. */
    public static final double END = 1e-3;

    /** The score for a batch whose sample i is of class {@code classes[i]} (null: the null class, or none). */
    public PhaseScore score(int[] classes) {
        PhaseEpsilon parameterization = new PhaseEpsilon(process, preconditioning);
        return (z, t) -> {
            NDManager manager = z.getManager();
            double[] times = new double[(int) z.getShape().get(0)];
            Arrays.fill(times, t);
            NDArray labels = network.classLabels(manager, classes, times.length);
            NDArray output = network.forward(z, preconditioning.noiseLabel(times, z), labels, false);
            NDArray epsilon = parameterization.epsilon(output, z, times);
            Matrix2 inverseTransposed = process.conditionalCovariance(t).cholesky().inverse().transpose();
            return PhaseState.apply(inverseTransposed, epsilon).neg();
        };
    }


    /**
     * Samples of data shape {@code sample}: sample i from seed {@code seeds[i]} (its prior draw and all its noise)
     * and of class {@code classes[i]}, integrated by {@code sampler} in {@code steps} steps, each reported to
     * {@code callback}. The result holds the
     * position half x and the score evaluations per sample.
     */
    public Sampling.Result generate(PhaseSampler sampler, int steps, long[] seeds, int[] classes, Shape sample,
            NDManager manager, StepCallback callback) {
        long[] dims = new Shape(seeds.length).addAll(sample).getShape().clone();
        dims[1] *= 2;
        GaussianNoise noise = GaussianNoise.perSample(seeds);
        NDArray z = noise.latents(manager, new Shape(dims), DataType.FLOAT32, 1);
        NDArray prior = PhaseState.apply(Matrix2.diagonal(1, Math.sqrt(process.mass())), z);
        AtomicLong calls = new AtomicLong();
        PhaseScore counted = score(classes);
        NDArray out = sampler.sample(process, (state, t) -> {
            calls.incrementAndGet();
            return counted.score(state, t);
        }, prior, PhaseSampler.quadraticTimes(steps, END), noise, callback);
        NDArray x = PhaseState.position(out);
        return new Sampling.Result(x, calls.get());
    }
}
