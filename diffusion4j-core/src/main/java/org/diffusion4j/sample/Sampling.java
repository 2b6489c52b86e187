package org.diffusion4j.sample;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.diffusion4j.denoise.CountingDenoiser;
import org.diffusion4j.denoise.Denoiser;
import org.diffusion4j.grid.Grid;

/**
 * One sampler run, low level: a sampler, a denoiser and a grid, with the run's noise kind and step callback; run from
 * seeds (one per sample, fixing its start and noise) or from a given start. Models are generated through
 * {@link org.diffusion4j.generate.Generator}, which builds these.
 *
 * <pre>{@code
 * Sampling.Result r = Sampling.of(sampler, denoiser, grid).callback(cb)
 *         .generate(seeds, new Shape(2), DataType.FLOAT64, manager);
 * }</pre>
 *
 * @param sampler the sampler
 * @param denoiser the EDM-view denoiser
 * @param grid the levels to walk
 * @param noise the noise kind of stochastic steps, or null for the sampler's preferred kind
 * @param callback sees each step
 */
public record Sampling(Sampler sampler, Denoiser denoiser, Grid grid, NoiseKind noise, StepCallback callback) {

    /** The final samples and the number of denoiser calls (NFE) it took. */
    public record Result(NDArray samples, long evaluations) {}

    /** A run of {@code sampler} on {@code denoiser} over {@code grid}, preferred noise, no callback. */
    public static Sampling of(Sampler sampler, Denoiser denoiser, Grid grid) {
        return new Sampling(sampler, denoiser, grid, null, StepCallback.NONE);
    }

    /** This run with the noise kind {@code kind} (null: the sampler's preferred kind). */
    public Sampling noise(NoiseKind kind) {
        return new Sampling(sampler, denoiser, grid, kind, callback);
    }

    /** This run with {@code stepCallback}. */
    public Sampling callback(StepCallback stepCallback) {
        return new Sampling(sampler, denoiser, grid, noise, stepCallback);
    }

    /**
     * {@code seeds.length} samples of per-sample {@code shape}: sample i starts from σ_0·z_i and takes all its noise
     * from seed i, so the result for a seed does not depend on the rest of the batch.
     */
    public Result generate(long[] seeds, Shape shape, DataType type, NDManager manager) {
        return generate(seeds, shape, type, 1, manager);
    }

    /**
     * As {@link #generate(long[], Shape, DataType, NDManager)} at temperature τ: sample i starts from σ_0·z_i/τ (the
     * same z_i, the same later noise).
     */
    public Result generate(long[] seeds, Shape shape, DataType type, double temperature, NDManager manager) {
        GaussianNoise gaussian = GaussianNoise.perSample(seeds);
        try (NDArray start = gaussian.latents(manager, new Shape(seeds.length).addAll(shape), type,
                grid.sigmaMax() / temperature)) {
            return run(start, noiseSource(seeds, gaussian));
        }
    }

    /** The run from {@code x} at {@code grid.sigma(0)}, its noise from {@code seeds} (one per sample). */
    public Result run(NDArray x, long[] seeds) {
        return run(x, noiseSource(seeds, GaussianNoise.perSample(seeds)));
    }

    /** The run from {@code x} at {@code grid.sigma(0)} with the noise of {@code source}, counting denoiser calls. */
    public Result run(NDArray x, NoiseSource source) {
        CountingDenoiser counting = new CountingDenoiser(denoiser);
        NDArray out = sampler.sample(counting, x, grid, source, callback);
        return new Result(out, counting.evaluations());
    }

    /** The noise of the seeds: the chosen kind for a stochastic sampler, none for a deterministic one. */
    private NoiseSource noiseSource(long[] seeds, GaussianNoise gaussian) {
        if (!sampler.isStochastic()) {
            return NoiseSource.NONE;
        }
        NoiseKind chosen = noise == null ? sampler.preferredNoise() : noise;
        // churn may raise a level by up to √2, so the Brownian tree covers [0, √2·σ_0]
        return chosen == NoiseKind.BROWNIAN
                ? BrownianNoise.perSample(seeds, 0, Math.sqrt(2) * grid.sigmaMax() * (1 + 1e-9))
                : gaussian;
    }
}
