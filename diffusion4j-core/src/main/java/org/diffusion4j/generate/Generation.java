package org.diffusion4j.generate;

import ai.djl.ndarray.NDArray;

/**
 * What a {@link Generator} returns.
 *
 * @param samples one sample per seed, batch first
 * @param evaluations model calls per sample (NFE); one call serves the whole batch
 * @param steps the sampler steps taken
 * @param sampler the sampler's name
 */
public record Generation(NDArray samples, long evaluations, int steps, String sampler) {}
