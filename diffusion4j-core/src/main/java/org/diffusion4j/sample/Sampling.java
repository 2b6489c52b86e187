package org.diffusion4j.sample;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.diffusion4j.ShapeMismatchException;
import org.diffusion4j.denoise.CountingDenoiser;
import org.diffusion4j.denoise.Denoiser;
import org.diffusion4j.grid.Grid;

/** Runs samplers: from a given start, or from seeds (one per sample) that fix the latents and the noise. */
public final class Sampling {
    private Sampling() {}

    /** The final samples and the number of denoiser calls (NFE) it took. */
    public record Result(NDArray samples, long evaluations) {}

    /** Runs {@code sampler} from {@code x} (at {@code grid.sigma(0)}), counting denoiser calls. */
    public static Result run(Sampler sampler, Denoiser denoiser, NDArray x, Grid grid, NoiseSource noise,
            StepCallback callback) {
        CountingDenoiser counting = new CountingDenoiser(denoiser);
        NDArray out = sampler.sample(counting, x, grid, noise, callback);
        return new Result(out, counting.evaluations());
    }

    /**
     * Generates {@code seeds.length} samples of per-sample {@code shape}: sample i starts from σ_0·z_i and takes
     * all its noise from seed i, so the result for a seed does not depend on the rest of the batch.
     *
     * @param noise the noise kind for stochastic steps, or {@code null} for the sampler's preferred kind
     */
    public static Result generate(Sampler sampler, Denoiser denoiser, Grid grid, NDManager manager, Shape shape,
            DataType type, long[] seeds, NoiseKind noise, StepCallback callback) {
        if (seeds.length == 0) {
            throw new ShapeMismatchException("generation needs at least one seed");
        }
        GaussianNoise gaussian = GaussianNoise.perSample(seeds);
        NDArray start = gaussian.latents(manager, batchShape(seeds.length, shape), type, grid.sigmaMax());
        try {
            return run(sampler, denoiser, start, grid, noiseSource(sampler, noise, seeds, grid, gaussian), callback);
        } finally {
            start.close();
        }
    }

    /**
     * The noise a run from a given start takes from {@code seeds} (one per sample): {@code kind}, or the sampler's
     * preference when {@code kind} is null; none for a deterministic sampler.
     */
    public static NoiseSource seededNoise(Sampler sampler, NoiseKind kind, long[] seeds, Grid grid) {
        return noiseSource(sampler, kind, seeds, grid, GaussianNoise.perSample(seeds));
    }

    private static NoiseSource noiseSource(Sampler sampler, NoiseKind kind, long[] seeds, Grid grid, GaussianNoise gaussian) {
        if (!sampler.isStochastic()) {
            return NoiseSource.NONE;
        }
        NoiseKind chosen = kind == null ? sampler.preferredNoise() : kind;
        // churn may raise a level by up to √2, so the Brownian tree covers [0, √2·σ_0]
        return chosen == NoiseKind.BROWNIAN
                ? BrownianNoise.perSample(seeds, 0, Math.sqrt(2) * grid.sigmaMax() * (1 + 1e-9))
                : gaussian;
    }

    private static Shape batchShape(int batch, Shape perSample) {
        long[] dims = new long[perSample.dimension() + 1];
        dims[0] = batch;
        System.arraycopy(perSample.getShape(), 0, dims, 1, perSample.dimension());
        return new Shape(dims);
    }
}
