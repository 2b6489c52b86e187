package org.diffusion4j.sample;

import ai.djl.ndarray.NDArray;
import org.diffusion4j.degradation.Degradation;

/**
 * DDIM through a degradation ({@code degradation-ddim}; formerly {@code rd}) for a model trained on the corruption
 * {@code x = A_σ(x_0) + σ·ε}: restore {@code x̂_0 = D(x_i; σ_i)}, take the noise that points back to the iterate,
 * {@code ε̂ = (x_i − A_{σ_i}(x̂_0))/σ_i}, and degrade to the next level with it:
 * <pre>
 * x_{i+1} = A_{σ_{i+1}}(x̂_0) + σ_{i+1}·ε̂
 * </pre>
 * With the identity this is DDIM (Song, Meng &amp; Ermon 2021, eq. 12 with σ_t = 0); for blur and down-sampling it
 * is the noisy form of cold diffusion's improved sampler (Bansal et al. 2023, Algorithm 2). The step to σ = 0
 * returns x̂_0. One denoiser call per step.
 *
 * <p>It is not the restoration–degradation step of Chen, Daras &amp; Dimakis (2023), which restores by a gradient
 * step on the conditional likelihood and degrades by the forward SDE ({@link org.diffusion4j.nonlinear
 * .RestorationDegradation}). For a non-linear degradation such as {@code saturation}, x given x_0 is not
 * A_σ(x_0) + σ·ε with ε independent of x_0, so ε̂ is not E[ε | x] and the samples stay biased at any step count;
 * for the identity it is DDIM and for linear ones it inverts exactly in the limit (tests in {@code RdSamplerTest}).
 *
 * @param degradation the corruption the model was trained on
 */
public record RdSampler(Degradation degradation) implements SteppedSampler {

    @Override
    public String name() {
        return "degradation-ddim";
    }

    @Override
    public NDArray step(Step step, NDArray x) {
        double sigma = step.sigma();
        double next = step.next();
        NDArray restored = step.denoise(x, sigma);
        if (next == 0) {
            return restored;
        }
        NDArray pointingBack = x.sub(degradation.apply(restored, sigma)).div(sigma);
        return degradation.apply(restored, next).add(pointingBack.mul(next));
    }
}
