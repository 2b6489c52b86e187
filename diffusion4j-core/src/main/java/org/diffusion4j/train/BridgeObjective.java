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
 * first half is ε, the second the observation's noise (whitened by the task), so one seed fixes both. As a
 * {@link RestorationObjective} its output given another observation y′ is x̂₀ on the bridge to prior(y′) from the
 * same x₀ and ε, which is what a robust bridge ({@link AdversarialObjective}) compares.
 *
 * @param bridge the bridge and its task
 */
@Differentiable
public record BridgeObjective(ImageBridge bridge) implements RestorationObjective {

    @Override
    public Shape noiseShape(Shape batch) {
        long[] dims = batch.getShape().clone(); // a Shape hands out its own array
        dims[1] *= 2;
        return new Shape(dims);
    }

    @Override
    public NDArray loss(Network network, NDArray x0, NDArray labels, double[] t, NDArray noise, boolean training) {
        return loss(bridge.reference(), network, x0, task().prior(observation(x0, noise)), t, eps(x0, noise), labels,
                training);
    }

    @Override
    public RestorationTask task() {
        return bridge.restoration();
    }

    @Override
    public NDArray observation(NDArray x0, NDArray noise) {
        return task().observe(x0, noise.get(new NDIndex(":, {}:", x0.getShape().get(1))));
    }

    /** x̂₀ at the batch's times on the bridges from x₀ to prior(y), with the batch's ε. */
    @Override
    public NDArray output(Network network, NDArray x0, NDArray labels, double[] t, NDArray noise, NDArray y,
            boolean training) {
        return prediction(bridge.reference(), network, x0, task().prior(y), t, eps(x0, noise), labels, training);
    }

    /**
     * The data-prediction loss mean ‖x̂₀(x_t, t, x₁) − x₀‖² on the bridges of {@code schedule} from {@code x0} to
     * {@code prior}, x_t = a_t·x₀ + b_t·x₁ + c_t·ε.
     */
    static NDArray loss(BridgeSchedule schedule, Network network, NDArray x0, NDArray prior, double[] t, NDArray eps,
            NDArray labels, boolean training) {
        NDArray error = prediction(schedule, network, x0, prior, t, eps, labels, training).sub(x0);
        return error.mul(error).mean();
    }

    /** The network's x̂₀ at the bridges' states x_t = a_t·x₀ + b_t·x₁ + c_t·ε. */
    private static NDArray prediction(BridgeSchedule schedule, Network network, NDArray x0, NDArray prior, double[] t,
            NDArray eps, NDArray labels, boolean training) {
        return ImageBridge.predict(network, state(schedule, x0, prior, t, eps), t, prior, labels, training);
    }

    /** The first half of the trainer's noise: the bridge's ε. */
    private static NDArray eps(NDArray x0, NDArray noise) {
        return noise.get(new NDIndex(":, 0:{}", x0.getShape().get(1)));
    }

    /** The bridges' states x_t = a_t·x₀ + b_t·x₁ + c_t·ε at the batch's times. */
    private static NDArray state(BridgeSchedule schedule, NDArray x0, NDArray prior, double[] t, NDArray eps) {
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
        return x0.mul(NativeArrays.perSample(a, x0)).add(prior.mul(NativeArrays.perSample(b, x0)))
                .add(eps.mul(NativeArrays.perSample(c, x0)));
    }
}
