package org.diffusion4j.restore;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.backend.Scalars;
import org.diffusion4j.backend.StepScope;
import org.diffusion4j.denoise.Denoiser;
import org.diffusion4j.sample.AncestralStep;
import org.diffusion4j.sample.GaussianNoise;

/**
 * Diffusion posterior sampling (DPS; Chung, Kim, McCann, Klasky &amp; Ye, ICLR 2023, Algorithm 1), zero-shot: an
 * unconditional prior's denoiser and the task's exact operator, no training. In the EDM view, from x at σ to σ':
 * <pre>
 *   x̂₀ = D(x; σ)
 *   x'  = x̂₀ + (σ↓/σ)·(x − x̂₀) + σ↑·z                 (the DDPM ancestral step, η = 1)
 *   x_next = x' − ζ·∇ₓ‖A(x̂₀(x)) − y‖                  (per sample; the gradient goes through the denoiser)
 * </pre>
 * The gradient of the residual's norm (not its square), as the authors' code takes it, is the paper's step
 * ζ_i = ζ'/‖y − A(x̂₀)‖ on the squared norm with ζ = 2ζ'; unlike that code, which takes one norm over the whole
 * batch, each sample's norm is its own, so a sample does not depend on its batch. The denoiser must be
 * differentiable in x, and DPS does not run inside another gradient recording: differentiating its samples (a PGD
 * attack on y) would need second-order gradients.
 *
 * @param task the observation's operator
 * @param scale ζ, the guidance step
 */
public record DiffusionPosteriorSampling(RestorationTask task, double scale) {

    public DiffusionPosteriorSampling {
        if (!(scale >= 0 && Double.isFinite(scale))) {
            throw new InvalidArgumentException("the DPS step ζ must be a finite number ≥ 0, got " + scale);
        }
    }

    /**
     * Samples x₀ given the observations {@code y} (one per sample) on the levels {@code sigmas} (decreasing, the last
     * 0), starting from σ₀·z; all noise from {@code noise}, so one seed per sample fixes each sample. The result
     * belongs to {@code manager}.
     */
    public NDArray sample(Denoiser prior, NDArray y, Shape imageShape, double[] sigmas, GaussianNoise noise,
            NDManager manager) {
        if (sigmas.length < 2 || sigmas[sigmas.length - 1] != 0) {
            throw new InvalidArgumentException("DPS needs at least two levels ending at σ = 0");
        }
        NDArray x = noise.latents(manager, imageShape, y.getDataType(), sigmas[0]);
        for (int i = 0; i + 1 < sigmas.length; i++) {
            double sigma = sigmas[i];
            double next = sigmas[i + 1];
            try (StepScope step = StepScope.open(manager, x)) {
                NDArray guide;
                NDArray denoised;
                try (GradientCollector collector = newCollector()) {
                    NDArray input = x.duplicate();
                    input.setRequiresGradient(true);
                    NDArray estimate = prior.denoise(input, sigma);
                    NDArray residual = task.measure(estimate).sub(y);  // the step's, not y's: freed with the step
                    NDArray norms = residual.mul(residual).reshape(residual.getShape().get(0), -1).sum(new int[] {1})
                            .sqrt();
                    collector.backward(norms.sum());
                    guide = input.getGradient().duplicate();
                    denoised = estimate.stopGradient();
                }
                AncestralStep split = AncestralStep.of(sigma, next, 1);
                NDArray moved = denoised.add(Scalars.times(x.sub(denoised), split.down() / sigma));
                if (split.up() > 0) {
                    moved = moved.add(Scalars.times(noise.sample(x, sigma, next), split.up()));
                }
                x = step.keep(moved.sub(Scalars.times(guide, scale)));
            }
        }
        return x;
    }

    /**
     * The step's gradient collector; DJL records one gradient at a time, so DPS cannot run inside another recording
     * (a PGD attack through DPS or a loss through its samples would need second-order gradients).
     */
    private static GradientCollector newCollector() {
        try {
            return Engine.getInstance().newGradientCollector();
        } catch (IllegalStateException e) {
            throw new InvalidArgumentException("DPS takes a gradient through the denoiser at every step, so it cannot "
                    + "run while another gradient is recorded (an attack on DPS or a loss through its samples would "
                    + "need second-order gradients, which DJL's autograd does not give): " + e.getMessage());
        }
    }
}
