package org.diffusion4j.sample;

import ai.djl.ndarray.NDArray;

/**
 * Euler's method on the probability-flow ODE, with optional churn (Karras et al. 2022, Algorithm 2 without the
 * second-order correction; k-diffusion's {@code sample_euler}):
 * {@code d_i = (x̂_i − D(x̂_i; σ̂_i))/σ̂_i}, {@code x_{i+1} = x̂_i + (σ_{i+1} − σ̂_i)·d_i}. First order. Without churn
 * it is DDIM (η = 0) in the EDM view.
 */
public record Euler(Churn churn) implements SteppedSampler {

    public Euler() {
        this(Churn.NONE);
    }

    @Override
    public String name() {
        return "euler";
    }

    @Override
    public boolean isStochastic() {
        return churn.active();
    }

    @Override
    public NDArray step(Step step, NDArray x) {
        Churn.Raised raised = churn.raise(step, x);
        NDArray d = OdeDerivative.of(raised.x(), step.denoise(raised.x(), raised.sigma()), raised.sigma());
        return raised.x().add(d.mul(step.next() - raised.sigma()));
    }
}
