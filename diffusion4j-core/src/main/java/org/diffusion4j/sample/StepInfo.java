package org.diffusion4j.sample;

import ai.djl.ndarray.NDArray;

/**
 * What a sampler reports after the first denoiser call of each step. {@code x} and {@code denoised} belong to the
 * step: they are valid during the callback only (copy them to keep them).
 *
 * @param step index i of the step, 0 … steps − 1
 * @param steps total number of steps
 * @param sigma the step's starting level σ_i
 * @param sigmaHat the level the denoiser was called at (σ_i raised by churn, or σ_i)
 * @param x the state the denoiser was called on
 * @param denoised the denoiser's output D(x; σ̂)
 */
public record StepInfo(int step, int steps, double sigma, double sigmaHat, NDArray x, NDArray denoised) {}
