package org.diffusion4j.sample;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.backend.NativeArrays;
import org.diffusion4j.denoise.Denoiser;
import org.diffusion4j.denoise.GaussianMixtureDenoiser;
import org.diffusion4j.denoise.MixtureSpec;
import org.diffusion4j.grid.Grid;
import org.diffusion4j.grid.GridSpec;
import org.diffusion4j.ode.DormandPrince;
import org.diffusion4j.ode.ProbabilityFlow;
import org.diffusion4j.process.VeSchedule;
import org.junit.jupiter.api.Test;

/** The dopri5 sampler follows the exact flow to its tolerance, spending more evaluations for tighter ones. */
class AdaptiveProbabilityFlowTest {

    @Test
    void followsTheFlowToItsTolerance() {
        Denoiser denoiser = new GaussianMixtureDenoiser(MixtureSpec.bundled("eight-gaussians"), new VeSchedule())
                .edmView();
        Grid grid = new GridSpec.Karras(0.002, 80, 7).build(10, new VeSchedule(), true);
        long[] seeds = new long[256];
        for (int i = 0; i < seeds.length; i++) {
            seeds[i] = i;
        }
        try (NDManager manager = Backend.newManager()) {
            NDArray start = GaussianNoise.perSample(seeds).latents(manager, new Shape(256, 2), DataType.FLOAT64, 80);
            NDArray exact = ProbabilityFlow.solve(denoiser, start, 80, 0.002,
                    new DormandPrince(1e-11, 1e-11, DormandPrince.ErrorNorm.MAX, 1_000_000)).y();
            long previousNfe = 0;
            double previousError = Double.POSITIVE_INFINITY;
            for (double tolerance : new double[] {1e-3, 1e-5, 1e-7}) {
                NDArray[] atMin = new NDArray[1];
                Sampling.Result r = Sampling.of(new AdaptiveProbabilityFlow(tolerance, tolerance), denoiser, grid)
                        .callback(info -> {
                            atMin[0] = NativeArrays.copy(info.x(), DataType.FLOAT64);
                            atMin[0].attach(manager);
                        }).generate(seeds, new Shape(2), DataType.FLOAT64, manager);
                double error = atMin[0].sub(exact).abs().max().getDouble();
                assertTrue(error < 50 * tolerance, "tolerance " + tolerance + ": error " + error);
                assertTrue(error < previousError && r.evaluations() > previousNfe, "tighter costs more, errs less");
                previousError = error;
                previousNfe = r.evaluations();
            }
        }
    }
}
