package org.diffusion4j.nonlinear;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.util.function.Supplier;
import org.diffusion4j.sample.StepCallback;

/**
 * The DDIM-style update through the degradation ({@code degradation-ddim}, the update {@code rd} used to name) on a
 * non-linear process: restore {@code x̂_0 = E[x_0 | x]} with the model's data head, take the noise that points back
 * to the iterate per pixel, {@code ε̂ = (x − m_t(x̂_0))/s_t(x̂_0)}, and degrade with it to the next time:
 * <pre>
 * x′ = m_{t′}(x̂_0) + s_{t′}(x̂_0)·ε̂
 * </pre>
 * with m_t(x_0) and s_t(x_0) the conditional mean and standard deviation of x_t given x_0 ({@link TransitionTable},
 * x̂_0 clamped to the data range [−1, 1]). For a Gaussian process this is DDIM; here x_t given x_0 is not
 * m + s·ε with ε independent of x_0, so ε̂ is not E[ε | x] and the marginals stay biased at any step count. The step
 * to t = 0 returns x̂_0.
 *
 * @param table the process's transition table (built on first use: a few seconds)
 */
public record DegradationDdim(Supplier<TransitionTable> table) implements NonlinearSampler {

    @Override
    public String name() {
        return "degradation-ddim";
    }

    @Override
    public NDArray sample(SineDriftProcess process, NonlinearPrediction.Field model, NDArray x, double[] times,
            StepCallback callback) {
        NonlinearSampler.checkTimes(times);
        TransitionTable moments = table.get();
        return NonlinearSampler.run(name(), times, x, callback, (step, state) -> {
            double t = step.sigma();
            double next = step.next();
            NonlinearPrediction p = model.predict(state, t);
            step.observe(state, t, p.score());
            if (next == 0) {
                return p.data();
            }
            double[] xs = state.toType(DataType.FLOAT64, false).toDoubleArray();
            double[] restored = p.data().toType(DataType.FLOAT64, false).toDoubleArray();
            double[] out = new double[xs.length];
            for (int i = 0; i < xs.length; i++) {
                double x0 = Math.min(Math.max(restored[i], -1), 1);
                double noise = (xs[i] - moments.mean(x0, t)) / moments.deviation(x0, t);
                out[i] = moments.mean(x0, next) + moments.deviation(x0, next) * noise;
            }
            return state.getManager().create(out, state.getShape()).toType(state.getDataType(), false);
        });
    }
}
