package org.diffusion4j.nonlinear;

import ai.djl.ndarray.NDArray;
import org.diffusion4j.sample.StepCallback;

/**
 * A deterministic sampler of a model of a {@link SineDriftProcess}: from x at {@code times[0]} down the decreasing
 * times to {@code times[N] = 0}, one model evaluation per step, each reported to the callback.
 */
public interface NonlinearSampler {

    /** The spec name. */
    String name();

    /** The sample at time 0; returned in x's manager. */
    NDArray sample(SineDriftProcess process, NonlinearPrediction.Field model, NDArray x, double[] times,
            StepCallback callback);

    /** Checks that times decrease from a positive start to a final 0. */
    static void checkTimes(double[] times) {
        if (times.length < 2 || times[times.length - 1] != 0) {
            throw new org.diffusion4j.InvalidArgumentException("a non-linear sampler runs down to t = 0; got "
                    + java.util.Arrays.toString(times));
        }
        for (int i = 1; i < times.length; i++) {
            if (!(times[i] < times[i - 1] && times[i] >= 0)) {
                throw new org.diffusion4j.InvalidArgumentException("times must decrease to a non-negative end, got t["
                        + (i - 1) + "] = " + times[i - 1] + ", t[" + i + "] = " + times[i]);
            }
        }
    }
}
