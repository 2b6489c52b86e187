package org.diffusion4j.nonlinear;

import ai.djl.ndarray.NDArray;
import org.diffusion4j.nonlinear.RestorationDegradation.DriftPoint;
import org.diffusion4j.sample.StepCallback;

/**
 * Euler's method on the probability-flow ODE {@code dx/dt = f_t(x) − ½g_t²·∇ ln q_t(x)} of a non-linear process:
 * {@code x′ = x − δ·(f − ½g²s)}. The last step, to t = 0, is the restoration {@code x + t·(g²s − f)} (the RD step with
 * η = δ = t): an Euler step there would take out only half the remaining noise, because the flow's speed grows like
 * 1/√t as t → 0.
 */
public record ProbabilityFlowEuler() implements NonlinearSampler {

    @Override
    public String name() {
        return "pf-euler";
    }

    @Override
    public NDArray sample(SineDriftProcess process, NonlinearPrediction.Field model, NDArray x, double[] times,
            StepCallback callback) {
        NonlinearSampler.checkTimes(times);
        return NonlinearSampler.run(name(), times, x, callback, (step, state) -> {
            double t = step.sigma();
            ScoreField score = NonlinearSampler.observed(model.score(), step);
            if (step.next() == 0) {
                return RestorationDegradation.step(process, score, state, t, t, t, DriftPoint.CURRENT);
            }
            return RestorationDegradation.probabilityFlowEulerStep(process, score, state, t, t - step.next());
        });
    }
}
