package org.diffusion4j.sample;

import ai.djl.ndarray.NDArray;

/**
 * The accelerated stochastic sampler of Li, Huang, Efimov, Wei, Chi &amp; Chen (2024), "Accelerating Convergence of
 * Score-Based Diffusion Models, Provably" (README of the authors' code, eq. Φ_t and Ψ_t), which converges as O(1/T)
 * where DDPM converges as O(1/√T). On the VP chain of the grid ({@link VpChain}), each step first adds half the
 * step's noise, then takes the DDPM-type score step from the noised point, then adds the other half:
 * <pre>
 * Y⁺ = Y_t + √((1 − α_t)/2)·Z,      Y_{t−1} = (Y⁺ + (1 − α_t)·s_t(Y⁺))/√α_t + √((1 − α_t)/2)·Z⁺
 * </pre>
 * with the score evaluated at the noised point under the label t; no Z⁺ on the step to the data. One denoiser call
 * per step. The authors' ImageNet-64 code takes the same step (improved-diffusion's posterior mean at Y⁺ is this
 * Ψ_t, up to its clipping of the data estimate); their CIFAR-10 code ({@code ddpm_steps_accelerated}) scales the
 * first half-noise by √α_t as well, Y⁺ = Y_t + √α_t·√((1 − α_t)/2)·Z, which {@code form=cifar-code} selects.
 *
 * @param form {@code README} (the equations above) or {@code CIFAR_CODE}
 */
public record AcceleratedDdpm(Form form) implements SteppedSampler {

    /** Which first half-step of noise. */
    public enum Form {
        README, CIFAR_CODE
    }

    public AcceleratedDdpm() {
        this(Form.README);
    }

    @Override
    public String name() {
        return "accel-ddpm";
    }

    @Override
    public boolean isStochastic() {
        return true;
    }

    @Override
    public NDArray step(Step step, NDArray x) {
        double sigma = step.sigma();
        double next = step.next();
        double barT = VpChain.alphaBar(sigma);
        double barNext = VpChain.alphaBar(next);
        double alpha = barT / barNext;
        double half = Math.sqrt((1 - alpha) / 2);
        double firstHalf = form == Form.CIFAR_CODE ? Math.sqrt(alpha) * half : half;
        // the two noises come from consecutive halves of the step, so Brownian sources give independent increments
        double middle = Math.sqrt(sigma * Math.max(next, sigma * 1e-3));
        NDArray y = x.mul(Math.sqrt(barT)).add(step.noise(x, sigma, middle).mul(firstHalf));
        NDArray plus = y.div(Math.sqrt(barT));
        NDArray score = plus.sub(step.denoise(plus, sigma)).div(sigma).div(-Math.sqrt(1 - barT));
        NDArray yNext = y.add(score.mul(1 - alpha)).div(Math.sqrt(alpha));
        if (next > 0) {
            yNext = yNext.add(step.noise(x, middle, next).mul(half));
        }
        return yNext.div(Math.sqrt(barNext));
    }
}
