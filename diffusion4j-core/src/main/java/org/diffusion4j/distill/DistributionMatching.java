package org.diffusion4j.distill;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import org.diffusion4j.ShapeMismatchException;
import org.diffusion4j.backend.Differentiable;
import org.diffusion4j.backend.NativeArrays;
import org.diffusion4j.backend.Scalars;
import org.diffusion4j.grid.GridSpec;

/**
 * The losses of Improved Distribution Matching Distillation (DMD2; Yin et al. 2024), checked against the authors'
 * code ({@code tianweiy/DMD2}, {@code main/edm/edm_guidance.py}). All in the EDM view, with data estimates
 * ("x₀-predictions") of the real score (the teacher) and the fake score (the critic trained on generated samples).
 */
@Differentiable
public final class DistributionMatching {
    private DistributionMatching() {}

    /**
     * The distribution-matching gradient of generated samples {@code x}, given the real and fake denoisers' estimates
     * at a noised copy of them: {@code (μ_fake − μ_real) / mean|x − μ_real|}, the normaliser taken per sample over all
     * its elements (DMD's weighting, which in data-estimate form is the mean absolute distance to the real
     * estimate). Non-finite entries become 0 (NaN) or ±the largest float (±∞), as the authors' {@code nan_to_num}.
     * Zero where the two scores agree; descending it moves x towards the real estimate and away from the fake one,
     * i.e. along {@code s_real − s_fake}. Computed without gradients.
     */
    public static NDArray gradient(NDArray x, NDArray real, NDArray fake) {
        if (!x.getShape().equals(real.getShape()) || !x.getShape().equals(fake.getShape())) {
            throw new ShapeMismatchException("samples " + x.getShape() + ", real estimates " + real.getShape()
                    + " and fake estimates " + fake.getShape() + " must have one shape");
        }
        NDArray xd = x.stopGradient();
        long batch = xd.getShape().get(0);
        long[] perSample = new long[xd.getShape().dimension()];
        java.util.Arrays.fill(perSample, 1);
        perSample[0] = batch;
        NDArray weight = xd.sub(real).abs().reshape(batch, -1).mean(new int[] {1}).reshape(perSample);
        NDArray grad = fake.sub(real).div(weight);
        grad = NDArrays.where(grad.isNaN(), grad.zerosLike(), grad);
        return grad.minimum(Scalars.of(grad, Float.MAX_VALUE)).maximum(Scalars.of(grad, -Float.MAX_VALUE))
                .stopGradient();
    }

    /**
     * The loss whose gradient with respect to {@code x} is {@code gradient / N} (N = all elements of the batch):
     * {@code ½·mean((x − sg(x − gradient))²)}, the authors' stop-gradient form. Back-propagated through the generator
     * only.
     */
    public static NDArray loss(NDArray x, NDArray gradient) {
        NDArray target = x.stopGradient().sub(gradient).stopGradient();
        NDArray error = x.sub(target);
        return Scalars.times(error.mul(error).mean(), 0.5);
    }

    /**
     * The fake score's denoising loss on generated samples {@code x} (no gradient to the generator): its estimate at
     * {@code x + σ_i·n} against x, weighted by EDM's λ(σ) = 1/σ² + 1/σ_data² and averaged over all elements.
     *
     * @param estimate the fake denoiser's estimates
     * @param x the (detached) generated samples
     * @param sigma one level per sample
     * @param sigmaData σ_data of the weighting
     */
    public static NDArray denoisingLoss(NDArray estimate, NDArray x, double[] sigma, double sigmaData) {
        double[] weight = new double[sigma.length];
        for (int i = 0; i < sigma.length; i++) {
            weight[i] = 1 / (sigma[i] * sigma[i]) + 1 / (sigmaData * sigmaData);
        }
        NDArray error = estimate.sub(x.stopGradient());
        return error.mul(error).mul(NativeArrays.perSample(weight, x)).mean();
    }

    /** The generator's non-saturating GAN loss: {@code mean softplus(−logit)} = −mean log D(G(z)). */
    public static NDArray generatorGan(NDArray fakeLogits) {
        return softplus(fakeLogits.neg()).mean();
    }

    /**
     * The discriminator's loss: {@code mean softplus(logit_fake) + mean softplus(−logit_real)}, i.e. −log(1 − D) on
     * generated and −log D on real samples.
     */
    public static NDArray criticGan(NDArray fakeLogits, NDArray realLogits) {
        return softplus(fakeLogits).mean().add(softplus(realLogits.neg()).mean());
    }

    /** {@code log(1 + eˣ)}, stable: {@code max(x, 0) + log(1 + e^{−|x|})}. */
    static NDArray softplus(NDArray x) {
        return x.maximum(Scalars.of(x, 0)).add(Scalars.plus(x.abs().neg().exp(), 1).log());
    }

    /**
     * The authors' table of noise levels: {@code count} Karras levels (ρ-ramp) from σ_min to σ_max, ascending (level 0
     * is σ_min), from which every noise level of DMD2 training is drawn by index.
     */
    public static double[] levelTable(int count, double sigmaMin, double sigmaMax, double rho) {
        // Karras levels are EDM levels whatever the process: the grid reads no schedule
        double[] descending = new GridSpec.Karras(sigmaMin, sigmaMax, rho).positiveSigmas(count, null);
        double[] table = new double[count];
        for (int i = 0; i < count; i++) {
            table[i] = descending[count - 1 - i];
        }
        return table;
    }
}
