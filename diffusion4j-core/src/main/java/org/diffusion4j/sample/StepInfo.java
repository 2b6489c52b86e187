package org.diffusion4j.sample;

import ai.djl.ndarray.NDArray;

/**
 * What the step loop reports at the first model call of each step. Levels are EDM levels σ̃ for Gaussian samplers and
 * process times t for phase-space and restoration–degradation integrators. {@code x} and {@code output} belong to the
 * step: they are valid during the callback only (copy them to keep them).
 *
 * @param step index i of the step, 0 … steps − 1
 * @param steps total number of steps
 * @param level the step's starting level σ_i (or t_i)
 * @param evaluatedAt the level the model was called at (σ_i raised by churn, or σ_i)
 * @param x the state the model was called on
 * @param output the model's output there: D(x; σ̂) for Gaussian samplers, the score for the others
 */
public record StepInfo(int step, int steps, double level, double evaluatedAt, NDArray x, NDArray output) {}
