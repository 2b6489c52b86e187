package org.diffusion4j.nonlinear;

import ai.djl.ndarray.NDArray;

/**
 * What one evaluation of a two-headed model of a non-linear process gives at (x, t): the score
 * {@code ∇ ln q_t(x)} and the data estimate {@code E[x_0 | x_t = x]}.
 *
 * @param score the score, shaped like x
 * @param data the data estimate, shaped like x
 */
public record NonlinearPrediction(NDArray score, NDArray data) {

    /** A model of a non-linear process as samplers call it: one evaluation per call. */
    @FunctionalInterface
    public interface Field {
        NonlinearPrediction predict(NDArray x, double t);

        /** The score half, for samplers that need only the score. */
        default ScoreField score() {
            return (x, t) -> predict(x, t).score();
        }
    }
}
