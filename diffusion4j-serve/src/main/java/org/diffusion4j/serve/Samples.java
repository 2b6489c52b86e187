package org.diffusion4j.serve;

/**
 * The samples of one request, on the Java heap (the engine's arrays are closed when the batch ends).
 *
 * @param values the samples, flattened, batch first
 * @param shape the shape: (n, …sample shape)
 * @param sampler the sampler's name
 * @param steps the sampler steps taken
 * @param evaluations model calls per sample (NFE)
 * @param batchSamples how many samples the engine batch that made them held (this request's and others')
 */
public record Samples(float[] values, long[] shape, String sampler, int steps, long evaluations, int batchSamples) {}
