package org.diffusion4j.sample;

import ai.djl.ndarray.NDArray;

/**
 * Heun's second-order method with optional churn (Karras et al. 2022, Algorithm 2; k-diffusion's
 * {@code sample_heun}): an Euler predictor {@code x' = x̂ + (σ_{i+1} − σ̂)·d}, then
 * {@code x_{i+1} = x̂ + (σ_{i+1} − σ̂)·(d + d')/2} with {@code d' = (x' − D(x'; σ_{i+1}))/σ_{i+1}}. The step to
 * σ = 0 is a plain Euler step. Two denoiser calls per step (2N − 1 in all).
 */
public record Heun(Churn churn) implements SteppedSampler {

    public Heun() {
        this(Churn.NONE);
    }

    @Override
    public String name() {
        return "heun";
    }

    @Override
    public int evaluationsPerStep() {
        return 2;
    }

    @Override
    public boolean isStochastic() {
        return churn.active();
    }

    @Override
    public NDArray step(Step step, NDArray input) {
        Churn.Raised raised = churn.raise(step, input);
        NDArray x = raised.x();
        double sigmaHat = raised.sigma();
        double next = step.next();
        NDArray d = OdeDerivative.of(x, step.denoise(x, sigmaHat), sigmaHat);
        double dt = next - sigmaHat;
        if (next == 0) {
            return x.add(d.mul(dt));
        }
        NDArray x2 = x.add(d.mul(dt));
        NDArray d2 = OdeDerivative.of(x2, step.denoise(x2, next), next);
        return x.add(d.add(d2).div(2).mul(dt));
    }
}
