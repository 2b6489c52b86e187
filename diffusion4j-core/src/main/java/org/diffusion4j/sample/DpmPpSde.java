package org.diffusion4j.sample;

import ai.djl.ndarray.NDArray;
import org.diffusion4j.InvalidArgumentException;

/**
 * Stochastic DPM-Solver++ with two stages (k-diffusion's {@code sample_dpmpp_sde}; the SDE solver of Lu et al.
 * 2022b, Section 5, in its singlestep form). With λ = −log σ, h = λ_{i+1} − λ_i and the intermediate level
 * s = λ_i + r·h: stage 1 takes an ancestral DPM-Solver++(1) step from σ_i to σ_s,
 * {@code u = (σ_{s,down}/σ_i)·x − (e^{λ_i − λ_{s,down}} − 1)·D + σ_{s,up}·z₁}; stage 2 combines
 * {@code D' = (1 − 1/(2r))·D + 1/(2r)·D(u; σ_s)} in the same ancestral step from σ_i to σ_{i+1}. Euler on the step
 * to σ = 0. Its noise is Brownian by default, so the two stages' draws are consistent increments.
 *
 * @param eta scale of the posterior noise
 * @param sNoise extra noise factor
 * @param r position of the intermediate level in λ (½)
 */
public record DpmPpSde(double eta, double sNoise, double r) implements SteppedSampler {

    public DpmPpSde {
        AncestralStep.checkEta(eta);
        if (!(r > 0 && r < 1)) {
            throw new InvalidArgumentException("dpmpp-sde r must lie in (0, 1), got " + r);
        }
    }

    public DpmPpSde() {
        this(1, 1, 0.5);
    }

    @Override
    public String name() {
        return "dpmpp-sde";
    }

    @Override
    public int evaluationsPerStep() {
        return 2;
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
    public NDArray step(Step step, NDArray x) {
        double sigma = step.sigma();
        double next = step.next();
        NDArray denoised = step.denoise(x, sigma);
        if (next == 0) {
            return x.add(OdeDerivative.of(x, denoised, sigma).mul(next - sigma));
        }
        double lambda = -Math.log(sigma);
        double h = -Math.log(next) - lambda;
        double sigmaS = Math.exp(-(lambda + h * r));
        double fac = 1 / (2 * r);

        AncestralStep first = AncestralStep.of(sigma, sigmaS, eta);
        double lambdaDown = -Math.log(first.down());
        NDArray u = x.mul(first.down() / sigma).sub(denoised.mul(Math.expm1(lambda - lambdaDown)));
        if (first.up() > 0) {
            u = u.add(step.noise(x, sigma, sigmaS).mul(sNoise * first.up()));
        }
        NDArray denoised2 = step.denoise(u, sigmaS);

        AncestralStep second = AncestralStep.of(sigma, next, eta);
        double lambdaNextDown = -Math.log(second.down());
        NDArray combined = denoised.mul(1 - fac).add(denoised2.mul(fac));
        NDArray out = x.mul(second.down() / sigma).sub(combined.mul(Math.expm1(lambda - lambdaNextDown)));
        return second.up() > 0 ? out.add(step.noise(out, sigma, next).mul(sNoise * second.up())) : out;
    }
}
