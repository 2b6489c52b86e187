package org.diffusion4j.nonlinear;

import ai.djl.ndarray.NDArray;
import org.diffusion4j.sample.NoiseSource;
import org.diffusion4j.sample.Step;
import org.diffusion4j.sample.StepCallback;
import org.diffusion4j.sample.StepLoop;

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

    /**
     * Runs a deterministic {@code update} over the decreasing {@code times} (the model reported by the update through
     * {@link Step#observe}) in the shared {@link StepLoop}: memory, NaN check, callback.
     */
    static NDArray run(String sampler, double[] times, NDArray x, StepCallback callback, StepLoop.Update update) {
        return new StepLoop(sampler, new StepLoop.Levels("t", times), 0).run(x,
                StepLoop.Model.ownModel(NoiseSource.NONE), callback, update);
    }

    /** {@code score} with each call reported to the step's callback. */
    static ScoreField observed(ScoreField score, Step step) {
        return (y, time) -> {
            NDArray s = score.score(y, time);
            step.observe(y, time, s);
            return s;
        };
    }

    /** Checks that times decrease from a positive start to a final 0. */
    static void checkTimes(double[] times) {
        if (times.length < 2 || times[times.length - 1] != 0) {
            throw new org.diffusion4j.InvalidArgumentException("a non-linear sampler runs down to t = 0; got "
                    + java.util.Arrays.toString(times));
        }
        checkDecreasing(times);
    }

    /** Checks that times decrease to a non-negative end. */
    static void checkDecreasing(double[] times) {
        for (int i = 1; i < times.length; i++) {
            if (!(times[i] < times[i - 1] && times[i] >= 0)) {
                throw new org.diffusion4j.InvalidArgumentException("times must decrease to a non-negative end, got t["
                        + (i - 1) + "] = " + times[i - 1] + ", t[" + i + "] = " + times[i]);
            }
        }
    }
}
