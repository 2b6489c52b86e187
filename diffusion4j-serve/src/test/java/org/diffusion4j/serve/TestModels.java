package org.diffusion4j.serve;

import ai.djl.ndarray.types.Shape;
import org.diffusion4j.denoise.Denoiser;
import org.diffusion4j.denoise.MixtureSpec;
import org.diffusion4j.generate.GaussianGenerator;
import org.diffusion4j.generate.Generators;
import org.diffusion4j.process.Schedules;
import org.diffusion4j.sample.SamplingContext;

/** Small models for the server tests: an exact mixture, fake image models, a slow one. */
final class TestModels {
    private TestModels() {}

    /** The bundled eight-Gaussian mixture's exact denoiser (2-D samples, unconditional). */
    static ServedModel mixture() {
        return new ServedModel("gmm:eight-gaussians", Generators.mixture(MixtureSpec.bundled("eight-gaussians"),
                Schedules.byName("edm")), "bundled mixture");
    }

    /** 1×8×8 "images" whose denoiser shrinks towards 0, with 10 classes (the class does not change the output). */
    static ServedModel images() {
        Denoiser shrink = (x, sigma) -> x.mul(1.0 / (1 + sigma * sigma));
        return new ServedModel("test:images", new GaussianGenerator((classes, guidance) -> shrink,
                SamplingContext.of(Schedules.byName("edm")), new Shape(1, 8, 8), 10, GaussianGenerator.EDM_GRID,
                "euler"), "test");
    }

    /** Like {@link #images()} but unconditional and each denoiser call sleeps {@code millis}. */
    static ServedModel slow(long millis) {
        Denoiser sleepy = (x, sigma) -> {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return x.mul(1.0 / (1 + sigma * sigma));
        };
        return new ServedModel("test:slow", Generators.of(sleepy, Schedules.byName("edm"), new Shape(1, 8, 8)),
                "test");
    }
}
