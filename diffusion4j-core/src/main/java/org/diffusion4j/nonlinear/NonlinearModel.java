package org.diffusion4j.nonlinear;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.commons.math3.special.Erf;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.backend.NativeArrays;
import org.diffusion4j.nn.Network;
import org.diffusion4j.sample.GaussianNoise;
import org.diffusion4j.sample.Sampling;
import org.diffusion4j.sample.StepCallback;

/**
 * A two-headed network trained on a {@link SineDriftProcess} as samplers see it. At (x_t, t) its output has two
 * channels per data channel: the first {@code −σ̄(t)·∇ ln q_t(x_t)} ({@link SineDriftProcess#outputScale}), so the
 * score is {@code −out₀/σ̄}; the second {@code (E[x_0 | x_t] − x_t)/σ̄}, so the data estimate is {@code x + σ̄·out₁}.
 * Its noise label is ¼·ln t, −1.55 to 0.45 over [0.002, 6] (¼·ln σ̄ would be flat for t ≥ 1, where σ̄ is within 7% of
 * 1 while the marginals still change). Generation starts from prior draws (the stationary density, per pixel) at the
 * horizon T and runs a {@link NonlinearSampler} on {@link #times} down to 0.
 *
 * @param process the process the network was trained on
 * @param network the network; its output has twice the data's channels
 */
public record NonlinearModel(SineDriftProcess process, Network network) {

    /** The network's output for x at time t_i per sample (labels: class labels or null). */
    public NDArray forward(NDArray x, double[] t, NDArray labels, boolean training) {
        double[] noise = new double[t.length];
        for (int i = 0; i < t.length; i++) {
            noise[i] = 0.25 * Math.log(t[i]);
        }
        return network.forward(x, NativeArrays.of(x.getManager(), noise, new Shape(t.length), x.getDataType()), labels,
                training);
    }

    /** The score head's channels of an output. */
    public static NDArray scoreHead(NDArray output) {
        long c = output.getShape().get(1) / 2;
        return output.get(new NDIndex(":, :{}", c));
    }

    /** The data head's channels of an output. */
    public static NDArray dataHead(NDArray output) {
        long c = output.getShape().get(1) / 2;
        return output.get(new NDIndex(":, {}:", c));
    }

    /** The model as a field for a batch whose sample i is of class {@code classes[i]} (null: the null class or none). */
    public NonlinearPrediction.Field field(int[] classes) {
        return (x, t) -> {
            int n = (int) x.getShape().get(0);
            double[] times = new double[n];
            Arrays.fill(times, t);
            NDArray output = forward(x, times, network.classLabels(x.getManager(), classes, n), false);
            double scale = process.outputScale(t);
            return new NonlinearPrediction(scoreHead(output).div(-scale), x.add(dataHead(output).mul(scale)));
        };
    }

    /**
     * The sampling times for {@code steps} model evaluations: {@code steps − 1} intervals from T to t_min on Karras's
     * ramp with ρ = 7 in √t (ρ = 3.5 in t), then the step from t_min to 0; one step goes from T straight to 0.
     */
    public static double[] times(SineDriftProcess process, int steps) {
        if (steps < 1) {
            throw new InvalidArgumentException("a non-linear model samples in at least 1 step, got " + steps);
        }
        if (steps == 1) {
            return new double[] {process.horizon(), 0};
        }
        double rho = 3.5;
        double hi = Math.pow(process.horizon(), 1 / rho);
        double lo = Math.pow(process.minTime(), 1 / rho);
        double[] t = new double[steps + 1];
        for (int i = 0; i < steps; i++) {
            t[i] = Math.pow(hi + i / (double) (steps - 1) * (lo - hi), rho);
        }
        t[0] = process.horizon();
        t[steps - 1] = process.minTime();
        return t;
    }

    /**
     * Samples of data shape {@code sample}: sample i from seed {@code seeds[i]} (its prior draw) and of class
     * {@code classes[i]}, by {@code sampler} in {@code steps} evaluations, each step reported to {@code callback}. The
     * result holds the evaluations per sample.
     */
    public Sampling.Result generate(NonlinearSampler sampler, int steps, long[] seeds, int[] classes, Shape sample,
            NDManager manager, StepCallback callback) {
        Shape shape = new Shape(seeds.length).addAll(sample);
        NDArray prior = prior(GaussianNoise.perSample(seeds).latents(manager, shape, DataType.FLOAT32, 1));
        AtomicLong calls = new AtomicLong();
        NonlinearPrediction.Field model = field(classes);
        NDArray x = sampler.sample(process, (state, t) -> {
            calls.incrementAndGet();
            return model.predict(state, t);
        }, prior, times(process, steps), callback);
        return new Sampling.Result(x, calls.get());
    }

    /** Prior draws from standard normal ones: each coordinate z becomes the stationary quantile at Φ(z). */
    public NDArray prior(NDArray normal) {
        StationaryPrior prior = new StationaryPrior(process);
        float[] z = normal.toFloatArray();
        float[] x = new float[z.length];
        for (int i = 0; i < z.length; i++) {
            x[i] = (float) prior.quantile(0.5 * Erf.erfc(-z[i] / Math.sqrt(2)));
        }
        NDArray out = normal.getManager().create(x, normal.getShape());
        normal.close();
        return out;
    }
}
