package org.diffusion4j.sample;

import ai.djl.ndarray.NDArray;
import org.diffusion4j.denoise.Denoiser;
import org.diffusion4j.grid.Grid;

/**
 * A sampler walks a {@link Grid} of EDM noise levels from {@code x} at σ_0 down to σ_N, calling the denoiser
 * {@code D(x; σ)}, as k-diffusion's {@code sample_*} functions do. Because it works in the EDM view, one
 * implementation runs on every Gaussian process (VE/EDM, VP, cosine, flow interpolants, discrete DDPM chains): most
 * samplers see the process only through {@link org.diffusion4j.denoise.EdmView}; the few stated in the process's own
 * time or coordinates ({@link ConjugateDdim}, {@link InterpolantSde}, {@link RdSampler}) get it from the
 * {@link SamplingContext} they are built with. Step-wise samplers implement {@link SteppedSampler} and run in the
 * shared {@link StepLoop}.
 *
 * <p>A sampler instance holds only its parameters: all per-run state lives in the loop, so one instance
 * serves any number of concurrent runs. All randomness comes from the {@link NoiseSource}. The result belongs to
 * the manager of {@code x}; {@code x} itself is left untouched.
 */
public interface Sampler {

    /** The registry name, e.g. {@code dpmpp-2m}. */
    String name();

    /**
     * Runs the sampler.
     *
     * @param denoiser the EDM-view denoiser
     * @param x the state at {@code grid.sigma(0)}, batch first (k-diffusion's pre-scaled {@code x = σ_max·z})
     * @param grid the noise levels to walk
     * @param noise where stochastic steps draw their noise
     * @param callback sees each step
     * @return the state at the last level of the grid
     */
    NDArray sample(Denoiser denoiser, NDArray x, Grid grid, NoiseSource noise, StepCallback callback);

    /** Denoiser calls per step (the step to σ = 0 may take fewer). */
    default int evaluationsPerStep() {
        return 1;
    }

    /**
     * Denoiser calls of a run of {@code steps} steps: {@link #evaluationsPerStep} each, except that a multi-call
     * sampler's step to σ = 0 is a single call (k-diffusion's samplers end with an Euler step or the denoised value).
     */
    default long evaluations(int steps, boolean endsAtZero) {
        int k = evaluationsPerStep();
        return endsAtZero && k > 1 ? (long) k * (steps - 1) + 1 : (long) k * steps;
    }

    /** Whether the sampler draws noise (with its current parameters). */
    default boolean isStochastic() {
        return false;
    }

    /** The noise a stochastic run uses unless told otherwise (k-diffusion's default for the method). */
    default NoiseKind preferredNoise() {
        return NoiseKind.GAUSSIAN;
    }
}
