package org.diffusion4j.sample;

import ai.djl.ndarray.NDArray;

/**
 * The explicit midpoint method with the midpoint taken geometrically, σ_mid = √(σ̂·σ_{i+1}) (k-diffusion's
 * {@code sample_dpm_2}, "inspired by DPM-Solver-2", Lu et al. 2022, Algorithm 1 with r = ½): {@code x' = x̂ +
 * (σ_mid − σ̂)·d}, {@code x_{i+1} = x̂ + (σ_{i+1} − σ̂)·d(x'; σ_mid)}. Optional churn; Euler on the step to 0.
 */
public record Dpm2(Churn churn) implements SteppedSampler {

    public Dpm2() {
        this(Churn.NONE);
    }

    @Override
    public String name() {
        return "dpm2";
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
        NDArray d = OdeDerivative.of(x, step.denoise(x, sigmaHat), sigmaHat);
        return step.next() == 0 ? x.add(d.mul(-sigmaHat)) : midpointStep(step, x, d, sigmaHat, step.next());
    }

    /** The DPM-2 move from σ (with derivative d already known) to σ_next through σ_mid = √(σ·σ_next). */
    static NDArray midpointStep(Step step, NDArray x, NDArray d, double sigma, double sigmaNext) {
        double logSigma = Math.log(sigma);
        double mid = Math.exp(logSigma + 0.5 * (Math.log(sigmaNext) - logSigma));
        NDArray x2 = x.add(d.mul(mid - sigma));
        NDArray d2 = OdeDerivative.of(x2, step.denoise(x2, mid), mid);
        return x.add(d2.mul(sigmaNext - sigma));
    }
}
