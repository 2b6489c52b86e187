package org.diffusion4j.distill;

import ai.djl.ndarray.NDArray;
import org.diffusion4j.backend.Differentiable;
import org.diffusion4j.backend.NativeArrays;

/**
 * The target of progressive distillation (Salimans &amp; Ho 2022, Algorithm 2) in the EDM view, where DDIM is
 * {@code x_next = D + (σ_next/σ)·(x − D)}. Two teacher steps σ → σ' → σ'' land on x''; the one student step
 * σ → σ'' lands there too when its denoiser outputs x̃, the solution of {@code x'' = x̃ + (σ''/σ)(x − x̃)}:
 * <pre>
 * x̃ = (x'' − (σ''/σ)·x) / (1 − σ''/σ)          (x̃ = x'' = D(x'; σ') when σ'' = 0)
 * </pre>
 * With x = z_t/α_t and σ = σ_t/α_t this is the paper's {@code x̃ = (z_t'' − (σ_t''/σ_t)·z_t)/(α_t'' −
 * (σ_t''/σ_t)·α_t)} (multiply numerator and denominator by α_t''), so the same target serves every Gaussian process.
 * All levels are per sample (arrays of the batch size).
 */
@Differentiable
public final class ProgressiveTarget {
    private ProgressiveTarget() {}

    /** One DDIM step of sample i from {@code from[i]} to {@code to[i]} given its data estimate: D + (σ_to/σ_from)(x − D). */
    public static NDArray ddim(NDArray x, NDArray denoised, double[] from, double[] to) {
        double[] ratio = new double[from.length];
        for (int i = 0; i < ratio.length; i++) {
            ratio[i] = to[i] / from[i];
        }
        return denoised.add(x.sub(denoised).mul(NativeArrays.perSample(ratio, x)));
    }

    /** Where two teacher DDIM steps σ → σ' → σ'' take {@code x}. */
    public static NDArray teacherSteps(Teacher teacher, NDArray x, double[] sigma, double[] mid, double[] next,
            NDArray labels) {
        NDArray first = ddim(x, teacher.denoise(x, sigma, labels), sigma, mid);
        return ddim(first, teacher.denoise(first, mid, labels), mid, next);
    }

    /** The data estimate x̃ whose one DDIM step σ → σ'' lands on {@code landing} (the teacher's two steps). */
    public static NDArray target(NDArray x, NDArray landing, double[] sigma, double[] next) {
        double[] ratio = new double[sigma.length];
        double[] scale = new double[sigma.length];
        for (int i = 0; i < ratio.length; i++) {
            ratio[i] = next[i] / sigma[i];
            scale[i] = 1 / (1 - ratio[i]);
        }
        return landing.sub(x.mul(NativeArrays.perSample(ratio, x))).mul(NativeArrays.perSample(scale, x));
    }

    /** {@link #target} of the teacher's two steps from {@code x}. */
    public static NDArray target(Teacher teacher, NDArray x, double[] sigma, double[] mid, double[] next,
            NDArray labels) {
        return target(x, teacherSteps(teacher, x, sigma, mid, next, labels), sigma, next);
    }

    /** Paper's truncated-SNR weight max(SNR, 1) = max(1/σ², 1) of each sample's EDM level σ. */
    public static NDArray truncatedSnr(double[] sigma, NDArray like) {
        double[] w = new double[sigma.length];
        for (int i = 0; i < w.length; i++) {
            w[i] = Math.max(1 / (sigma[i] * sigma[i]), 1);
        }
        return NativeArrays.perSample(w, like);
    }
}
