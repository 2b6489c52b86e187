package org.diffusion4j.generate;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;

/**
 * One way to generate, whatever the model: given seeds (one per sample), optional conditions, guidance, a sampler
 * spec and a budget in steps or denoiser calls, a generator returns the samples and the calls it used. Every kind of
 * model implements it — a Gaussian process sampled by any {@link org.diffusion4j.sample.Sampler} over a grid
 * ({@link GaussianGenerator}), a phase-space process integrated on its time grid ({@link PhaseSpaceGenerator}) — so
 * commands, servers and jobs generate without knowing which kind they hold.
 *
 * <p>Sample i depends on seed i alone (its start and all its noise), so batches never change a sample. Implementations
 * are immutable and may serve concurrent requests.
 */
public interface Generator {

    /** What kind of model this is, e.g. {@code gaussian}, {@code phase-space}; for messages and listings. */
    String kind();

    /** The shape of one sample. */
    Shape sampleShape();

    /** Number of classes a request may ask for (0: unconditional). */
    int classes();

    /** The sampler names this generator takes, in a stable order. */
    List<String> samplers();

    /** The sampler spec a request without one gets. */
    String defaultSampler();

    /** The budget a request without one gets, or null when requests must give one. */
    default Budget defaultBudget() {
        return null;
    }

    /**
     * Generates one sample per seed of {@code request}, in {@code manager}.
     *
     * @throws org.diffusion4j.InvalidArgumentException when the request asks for something this model cannot do
     *     (a class of an unconditional model, a sampler of another model kind, a start of the wrong shape, …)
     */
    Generation generate(GenerationRequest request, NDManager manager);
}
