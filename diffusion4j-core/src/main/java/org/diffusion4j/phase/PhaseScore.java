package org.diffusion4j.phase;

import ai.djl.ndarray.NDArray;

/** The score ∇_z log p_t(z) of a phase-space process's marginal, for a batch of states [x, m]. */
@FunctionalInterface
public interface PhaseScore {

    /** The score at time t, shaped like z, in z's manager. */
    NDArray score(NDArray z, double t);
}
