package org.diffusion4j.sample;

import ai.djl.ndarray.NDArray;

/**
 * DPM-Solver++(2M) SDE (Lu et al. 2022b, Section 5, eq. for SDE-DPM-Solver++; k-diffusion's
 * {@code sample_dpmpp_2m_sde}). With λ = −log σ, h = λ_{i+1} − λ_i and the η-scaled step η·h:
 * <pre>
 * x_{i+1} = (σ_{i+1}/σ_i)·e^{−ηh}·x_i + (1 − e^{−(1+η)h})·D_i
 *           + c·(1/r)·(D_i − D_{i−1})                    (from the second step, r = h_{i−1}/h)
 *           + σ_{i+1}·√(1 − e^{−2ηh})·s_noise·z
 * </pre>
 * with c = ½(1 − e^{−(1+η)h}) for the midpoint variant and c = (1 − e^{−(1+η)h})/(−(1+η)h) + 1 for Heun's. η = 0
 * gives a deterministic second-order solver (the Heun variant is k-diffusion's own demo default). The step to σ = 0
 * returns D.
 *
 * @param eta stochasticity (1: the SDE, 0: the probability-flow ODE)
 * @param sNoise extra noise factor
 * @param solver how the first difference is weighted
 */
public record DpmPp2mSde(double eta, double sNoise, SolverType solver) implements SteppedSampler {

    /** Weighting of the first difference (k-diffusion's {@code solver_type}). */
    public enum SolverType {
        MIDPOINT, HEUN
    }

    public DpmPp2mSde {
        AncestralStep.checkEta(eta);
    }

    public DpmPp2mSde() {
        this(1, 1, SolverType.MIDPOINT);
    }

    @Override
    public String name() {
        return "dpmpp-2m-sde";
    }

    @Override
    public boolean isStochastic() {
        return eta > 0;
    }

    @Override
    public NoiseKind preferredNoise() {
        return NoiseKind.BROWNIAN;
    }

    @Override
    public int history() {
        return 1;
    }

    @Override
    public NDArray step(Step step, NDArray x) {
        double sigma = step.sigma();
        double next = step.next();
        NDArray denoised = step.denoise(x, sigma);
        NDArray previous = step.previous("denoised", 1);
        step.remember("denoised", denoised);
        if (next == 0) {
            return denoised;
        }
        double h = Math.log(sigma) - Math.log(next);
        double etaH = eta * h;
        double decay = -Math.expm1(-h - etaH);
        NDArray out = x.mul(next / sigma * Math.exp(-etaH)).add(denoised.mul(decay));
        if (previous != null) {
            double r = (Math.log(step.sigma(step.index() - 1)) - Math.log(sigma)) / h;
            double c = solver == SolverType.HEUN ? decay / (-h - etaH) + 1 : 0.5 * decay;
            out = out.add(denoised.sub(previous).mul(c * (1 / r)));
        }
        if (eta > 0) {
            out = out.add(step.noise(out, sigma, next).mul(next * Math.sqrt(-Math.expm1(-2 * etaH)) * sNoise));
        }
        return out;
    }
}
