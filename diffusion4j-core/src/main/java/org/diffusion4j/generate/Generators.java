package org.diffusion4j.generate;

import ai.djl.ndarray.types.Shape;
import org.diffusion4j.denoise.Denoiser;
import org.diffusion4j.denoise.GaussianMixture;
import org.diffusion4j.denoise.GaussianMixtureDenoiser;
import org.diffusion4j.process.NoiseSchedule;
import org.diffusion4j.sample.SamplingContext;

/** Generators of models that need no training: exact mixtures and any fixed denoiser. */
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
                GaussianGenerator.EDM_GRID,
                GaussianGenerator.DEFAULT_SAMPLER);
    }
}
