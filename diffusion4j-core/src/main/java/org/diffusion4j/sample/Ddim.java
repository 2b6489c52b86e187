package org.diffusion4j.sample;

import ai.djl.ndarray.NDArray;
import org.diffusion4j.InvalidArgumentException;

/**
 * DDIM (Song, Meng &amp; Ermon 2021, eq. 12 and 16) in the EDM view. The paper's step
 * {@code x_s = √ᾱ_s·x̂_0 + √(1 − ᾱ_s − c²)·ε̂ + c·z} on a VP chain becomes, with x̃ = x/α and σ = σ(t)/α(t):
 * <pre>
 * x_{i+1} = D + √(σ_{i+1}² − c²)·ε̂ + c·z,   ε̂ = (x_i − D)/σ_i,   c = η·σ_{i+1}·√(1 − σ_{i+1}²/σ_i²)
 * </pre>
 * η = 0 is the deterministic DDIM (the same map as {@link Euler}), η = 1 the DDPM posterior ({@link Ddpm}). The
 * step to σ = 0 returns D.
 *
 * @param eta stochasticity η ∈ [0, 1]
 */
public record Ddim(double eta) implements SteppedSampler {

    public Ddim {
        if (!(eta >= 0 && eta <= 1)) {
            throw new InvalidArgumentException("ddim eta must lie in [0, 1], got " + eta);
        }
    }

    public Ddim() {
        this(0);
    }

    @Override
    public String name() {
        return "ddim";
    }

    @Override
    public boolean isStochastic() {
        return eta > 0;
    }

    @Override
    public NDArray step(Step step, NDArray x) {
        double sigma = step.sigma();
        double next = step.next();
        NDArray denoised = step.denoise(x, sigma);
        double c = eta * next * Math.sqrt(1 - next * next / (sigma * sigma));
        NDArray epsilon = x.sub(denoised).div(sigma);
        NDArray mean = denoised.add(epsilon.mul(Math.sqrt(next * next - c * c)));
        return c > 0 ? mean.add(step.noise(mean, sigma, next).mul(c)) : mean;
    }
}
