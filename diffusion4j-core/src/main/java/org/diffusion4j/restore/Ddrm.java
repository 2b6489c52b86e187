package org.diffusion4j.restore;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.backend.Scalars;
import org.diffusion4j.backend.StepScope;
import org.diffusion4j.denoise.Denoiser;
import org.diffusion4j.sample.GaussianNoise;

/**
 * Denoising diffusion restoration models (DDRM; Kawar, Elad, Ermon &amp; Song, NeurIPS 2022, eqs. 7–8), zero-shot: an
 * unconditional prior's denoiser and the task's exact linear operator, no gradients. DDRM works in A's spectral
 * basis; for an operator whose non-zero singular values are all s ({@link RestorationTask#uniformSingularValue}:
 * super-resolution, inpainting, denoising) every spectral component of a kind takes the same update, so it runs in
 * pixel space with the projections P(v) = A⁺A·v onto A's row space and N = I − P onto its null space, and ȳ = A⁺y.
 * From x at σ to σ' (EDM's view, x̂₀ = D(x; σ), z standard normal):
 * <pre>
 *   null space:            N( x̂₀ + √(1 − η²)·σ'·(x − x̂₀)/σ + η·σ'·z )
 *   row space, sσ' &gt; σ_y:  P( η_b·ȳ + (1 − η_b)·x̂₀ + √(σ'² − η_b²·σ_y²/s²)·z )
 *   row space, sσ' &lt; σ_y:  P( x̂₀ + √(1 − η²)·σ'·(ȳ − x̂₀)/(σ_y/s) + η·σ'·z )
 *   row space, sσ' = σ_y:  as the null space (the authors' code: neither case holds, so at σ' = 0 both spaces
 *                          take x̂₀)
 * </pre>
 * The start at σ_max: P(ȳ + √(σ_max² − σ_y²/s²)·z) + N(σ_max·z) when sσ_max &gt; σ_y, else σ_max·z. The defaults
 * η = 0.85, η_b = 1 are the paper's.
 *
 * @param task the observation's operator (with a uniform singular value)
 * @param eta η, the noise of the null space and of the less noisy components
 * @param etaB η_b, the weight of the observation in the noisier components
 */
public record Ddrm(RestorationTask task, double eta, double etaB) {

    /** The paper's η. */
    public static final double ETA = 0.85;

    /** The paper's η_b. */
    public static final double ETA_B = 1;

    public Ddrm {
        if (!(eta >= 0 && eta <= 1) || !(etaB >= 0 && etaB <= 1)) {
            throw new InvalidArgumentException("DDRM's η and η_b must lie in [0, 1], got " + eta + " and " + etaB);
        }
        if (Double.isNaN(task.uniformSingularValue())) {
            throw new InvalidArgumentException("DDRM here needs an operator whose non-zero singular values are all "
                    + "equal (super-resolution, inpainting, denoising); " + task.spec() + " is not one");
        }
    }

    /**
     * Samples x₀ given the observations {@code y} (one per sample) on the levels {@code sigmas} (decreasing, the last
     * 0); all noise from {@code noise}, so one seed per sample fixes each sample. The result belongs to
     * {@code manager}.
     */
    public NDArray sample(Denoiser prior, NDArray y, Shape imageShape, double[] sigmas, GaussianNoise noise,
            NDManager manager) {
        if (sigmas.length < 2 || sigmas[sigmas.length - 1] != 0) {
            throw new InvalidArgumentException("DDRM needs at least two levels ending at σ = 0");
        }
        double s = task.uniformSingularValue();
        double observed = task.noise() / s; // σ_y/s, the observation's noise level in x's units
        NDArray yBar = task.prior(y);
        double top = sigmas[0];
        NDArray z = noise.latents(manager, imageShape, y.getDataType(), 1);
        NDArray yBarShare = Scalars.times(yBar, etaB);  // made once: an array of yBar's in a step would outlive it
        NDArray x = top > observed
                ? project(Scalars.times(z, Math.sqrt(top * top - observed * observed)).add(yBar))
                        .add(nullSpace(Scalars.times(z, top)))
                : Scalars.times(z, top);
        for (int i = 0; i + 1 < sigmas.length; i++) {
            double sigma = sigmas[i];
            double next = sigmas[i + 1];
            try (StepScope step = StepScope.open(manager, x)) {
                NDArray denoised = prior.denoise(x, sigma);
                NDArray fresh = noise.sample(x, sigma, next);
                NDArray kept = denoised.add(Scalars.times(x.sub(denoised), Math.sqrt(1 - eta * eta) * next / sigma))
                        .add(Scalars.times(fresh, eta * next));
                NDArray row;
                if (next > observed) {
                    row = Scalars.times(denoised, 1 - etaB).add(yBarShare).add(Scalars.times(fresh,
                            Math.sqrt(next * next - etaB * etaB * observed * observed)));
                } else if (next < observed) {
                    row = denoised.sub(Scalars.times(denoised.sub(yBar), Math.sqrt(1 - eta * eta) * next / observed))
                            .add(Scalars.times(fresh, eta * next));
                } else {
                    row = kept;
                }
                x = step.keep(project(row).add(nullSpace(kept)));
            }
        }
        return x;
    }

    /** P(v) = A⁺A·v, the orthogonal projection onto A's row space. */
    private NDArray project(NDArray v) {
        return task.prior(task.measure(v));
    }

    private NDArray nullSpace(NDArray v) {
        return v.sub(project(v));
    }
}
