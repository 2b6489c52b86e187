package org.diffusion4j.generate;

import ai.djl.ndarray.types.Shape;
import org.diffusion4j.denoise.Denoiser;
import org.diffusion4j.denoise.GaussianMixture;
import org.diffusion4j.denoise.GaussianMixtureDenoiser;
import org.diffusion4j.denoise.NetworkDenoiser;
import org.diffusion4j.denoise.Preconditioning;
import org.diffusion4j.grid.GridSpec;
import org.diffusion4j.nn.NetworkFunction;
import org.diffusion4j.process.NoiseSchedule;
import org.diffusion4j.sample.SamplingContext;

/** Generators of Gaussian models: networks under a preconditioning, exact mixtures and any fixed denoiser. */
public final class Generators {
    private Generators() {}

    /** The exact denoiser of {@code mixture} seen through the Gaussian process {@code schedule}. */
    public static GaussianGenerator mixture(GaussianMixture mixture, NoiseSchedule schedule) {
        Denoiser exact = new GaussianMixtureDenoiser(mixture, schedule).edmView();
        return of(exact, schedule, new Shape(mixture.dimension()));
    }

    /** An unconditional EDM-view {@code denoiser} of samples of {@code shape} on the process {@code schedule}. */
    public static GaussianGenerator of(Denoiser denoiser, NoiseSchedule schedule, Shape shape) {
        return new GaussianGenerator((classes, guidance) -> denoiser, SamplingContext.of(schedule), shape, 0,
                GaussianGenerator.EDM_GRID, GaussianGenerator.DEFAULT_SAMPLER);
    }

    /**
     * A network turned into a denoiser by {@code preconditioning} ({@link NetworkDenoiser}): unconditional requests
     * get its null class, conditional ones their classes and guidance; every sampler its process takes.
     *
     * @param sampleShape the shape of one sample
     * @param defaultGrid the grid of requests that name none
     * @param defaultSampler the sampler spec of requests that name none
     */
    public static GaussianGenerator network(NetworkFunction network, Preconditioning preconditioning,
            Shape sampleShape, GridSpec defaultGrid, String defaultSampler) {
        return network(network, preconditioning, sampleShape, defaultGrid, defaultSampler, null);
    }

    /** {@link #network(NetworkFunction, Preconditioning, Shape, GridSpec, String)} with a default budget (or null). */
    public static GaussianGenerator network(NetworkFunction network, Preconditioning preconditioning,
            Shape sampleShape, GridSpec defaultGrid, String defaultSampler, Budget defaultBudget) {
        return new GaussianGenerator((classes, guidance) -> (classes == null
                ? NetworkDenoiser.unconditional(network, preconditioning)
                : NetworkDenoiser.conditional(network, preconditioning, classes, guidance)).edmView(),
                SamplingContext.of(preconditioning), sampleShape, network.classes(), defaultGrid, defaultSampler,
                defaultBudget);
    }
}
