package org.diffusion4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import org.diffusion4j.backend.Differentiable;
import org.diffusion4j.backend.NativeArrays;
import org.diffusion4j.bridge.BridgeSchedule;
import org.diffusion4j.nn.Network;
import org.diffusion4j.restore.ImageBridge;
import org.diffusion4j.restore.RestorationTask;

/**
 * Bridge-TTS's data-prediction loss on an image task: each clean image x₀ is observed, y = A(x₀) + σ_y·w, the prior
 * is x₁ = prior(y), and with the bridge's marginal x_t = a_t·x₀ + b_t·x₁ + c_t·ε the loss is
 * mean ‖x̂₀(x_t, t, x₁) − x₀‖² over the batch's values. The trainer's noise has twice the data's channels: the
 * first half is ε, the second the observation's noise (whitened by the task), so one seed fixes both.
 *
 * @param bridge the bridge and its task
 */
@Differentiable
public record BridgeObjective(ImageBridge bridge) implements TrainingObjective {

    @Override
    public Shape noiseShape(Shape batch) {
        long[] dims = batch.getShape().clone(); // a Shape hands out its own array
        dims[1] *= 2;
        return new Shape(dims);
    }

    @Override
    public NDArray loss(Network network, NDArray x0, NDArray labels, double[] t, NDArray noise, boolean training) {
        long channels = x0.getShape().get(1);
        NDArray eps = noise.get(new NDIndex(":, 0:{}", channels));
        NDArray observationNoise = noise.get(new NDIndex(":, {}:", channels));
        RestorationTask task = bridge.restoration();
        NDArray prior = task.prior(task.observe(x0, observationNoise));
        return loss(bridge.reference(), network, x0, prior, t, eps, labels, training);
    }

    /**
     * The data-prediction loss mean ‖x̂₀(x_t, t, x₁) − x₀‖² on the bridges of {@code schedule} from {@code x0} to
     * {@code prior}, x_t = a_t·x₀ + b_t·x₁ + c_t·ε.
     */
    static NDArray loss(BridgeSchedule schedule, Network network, NDArray x0, NDArray prior, double[] t, NDArray eps,
            NDArray labels, boolean training) {
        int n = t.length;
        double[] a = new double[n];
        double[] b = new double[n];
        double[] c = new double[n];
        for (int i = 0; i < n; i++) {
            BridgeSchedule.Marginal m = schedule.marginal(t[i]);
            a[i] = m.a();
            b[i] = m.b();
            c[i] = m.c();
        }
        NDArray xt = x0.mul(NativeArrays.perSample(a, x0)).add(prior.mul(NativeArrays.perSample(b, x0)))
                .add(eps.mul(NativeArrays.perSample(c, x0)));
        NDArray error = ImageBridge.predict(network, xt, t, prior, labels, training).sub(x0);
        return error.mul(error).mean();
    }
}
