package org.diffusion4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import org.apache.commons.math3.special.Erf;
import org.diffusion4j.backend.Differentiable;
import org.diffusion4j.nn.Network;
import org.diffusion4j.nonlinear.NonlinearModel;
import org.diffusion4j.nonlinear.SineDriftProcess;
import org.diffusion4j.nonlinear.TransitionTable;

/**
 * Denoising score matching on a non-linear process with exact targets. Each sample gets one of the process's
 * tabulated times t (the trainer's uniform time u picks it: {@link SineDriftProcess#tabulatedIndex}); each pixel x_0
 * (taken at its nearest data level) is carried to x_t by inverting its tabulated distribution function at Φ(ε) (the
 * trainer's standard normal noise ε), so x_t is an exact draw of the forward SDE, and the targets are exact too:
 * <pre>
 * L = ½·mean (out₀ + σ̄(t)·∇ ln p_t(x_t | x_0))² + ½·mean (out₁ − (x_0 − x_t)/σ̄(t))²
 * </pre>
 * The first head learns {@code −σ̄·∇ ln q_t} (the marginal score: the minimizer of the conditional-score regression,
 * as in Vincent 2011), the second {@code (E[x_0 | x_t] − x_t)/σ̄}; both targets are of order 1 at every t, and the
 * means run over every pixel of the batch (one mean over both heads' outputs). See
 * {@link NonlinearModel} for how sampling reads them.
 *
 * @param process the process
 * @param table its transition densities
 */
@Differentiable
public record NonlinearObjective(SineDriftProcess process, TransitionTable table) implements TrainingObjective {

    @Override
    public NDArray loss(Network network, NDArray x0, NDArray labels, double[] t, NDArray noise, boolean training) {
        int n = t.length;
        float[] data = x0.toFloatArray();
        float[] normal = noise.toFloatArray();
        int per = data.length / n;
        double[] times = new double[n];
        float[] xt = new float[data.length];
        float[] scoreTarget = new float[data.length];
        float[] dataTarget = new float[data.length];
        for (int i = 0; i < n; i++) {
            int k = process.tabulatedIndex(t[i]);
            times[i] = process.tabulatedTime(k);
            double scale = process.outputScale(times[i]);
            for (int j = i * per; j < (i + 1) * per; j++) {
                int level = process.nearestLevel(data[j]);
                double x = table.quantile(level, k, 0.5 * Erf.erfc(-normal[j] / Math.sqrt(2)));
                xt[j] = (float) x;
                scoreTarget[j] = (float) (-scale * table.score(level, k, x));
                dataTarget[j] = (float) ((process.level(level) - x) / scale);
            }
        }
        NDManager manager = x0.getManager();
        NDArray state = manager.create(xt, x0.getShape());
        NDArray target = NDArrays.concat(new ai.djl.ndarray.NDList(manager.create(scoreTarget, x0.getShape()),
                manager.create(dataTarget, x0.getShape())), 1);
        NDArray output = new NonlinearModel(process, network).forward(state, times, labels, training);
        NDArray error = output.sub(target);
        return error.mul(error).mean();
    }
}
