package org.diffusion4j.sample;

import ai.djl.ndarray.NDArray;
import org.diffusion4j.denoise.Denoiser;
import org.diffusion4j.grid.Grid;

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
public record DpmPp2mSde(double eta, double sNoise, SolverType solver) implements Sampler {

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
    public NDArray sample(Denoiser denoiser, NDArray input, Grid grid, NoiseSource noise, StepCallback callback) {
        try (SamplingLoop loop = new SamplingLoop(name(), input, grid)) {
            NDArray x = loop.start();
            NDArray previous = null;
            double hLast = Double.NaN;
            for (int i = 0; i < grid.steps(); i++) {
                try (SamplingLoop.Step step = loop.step(i, x, previous)) {
                    double sigma = grid.sigma(i);
                    double next = grid.sigma(i + 1);
                    NDArray denoised = denoiser.denoise(x, sigma);
                    callback.onStep(new StepInfo(i, grid.steps(), sigma, sigma, x, denoised));
                    double h = Double.NaN;
                    if (next == 0) {
                        x = denoised;
                    } else {
                        h = Math.log(sigma) - Math.log(next);
                        double etaH = eta * h;
                        double decay = -Math.expm1(-h - etaH);
                        x = x.mul(next / sigma * Math.exp(-etaH)).add(denoised.mul(decay));
                        if (previous != null) {
                            double r = hLast / h;
                            double c = solver == SolverType.HEUN ? decay / (-h - etaH) + 1 : 0.5 * decay;
                            x = x.add(denoised.sub(previous).mul(c * (1 / r)));
                        }
                        if (eta > 0) {
                            double scale = next * Math.sqrt(-Math.expm1(-2 * etaH)) * sNoise;
                            x = x.add(noise.sample(x, sigma, next).mul(scale));
                        }
                    }
                    x = step.advance(x);
                    previous = step.keep(denoised);
                    hLast = h;
                }
            }
            return loop.finish(x);
        }
    }
}
