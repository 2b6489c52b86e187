package org.diffusion4j.sample;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.denoise.GaussianMixture;
import org.diffusion4j.denoise.GaussianMixtureDenoiser;
import org.diffusion4j.denoise.MixtureSpec;
import org.diffusion4j.grid.Grid;
import org.diffusion4j.grid.GridSpec;
import org.diffusion4j.process.VeSchedule;
import org.diffusion4j.process.VpLinearSchedule;
import org.junit.jupiter.api.Test;

/** DDIM on a VP process is Euler on the EDM-scaled problem (Karras et al. 2022, Section 3; Song et al. 2021a). */
class DdimEquivalenceTest {
    private static final GaussianMixture MIXTURE = MixtureSpec.bundled("eight-gaussians");

    @Test
    void ddimOnVpEqualsEulerOnTheEdmProblemAndThePapersUpdate() {
        VpLinearSchedule vp = new VpLinearSchedule();
        GaussianMixtureDenoiser vpModel = new GaussianMixtureDenoiser(MIXTURE, vp);
        Grid grid = new GridSpec.UniformTime(vp.edmSigma(1e-3), vp.edmSigma(1)).build(25, vp, true);
        try (NDManager m = Backend.newManager()) {
            NDArray z = m.randomNormal(0, 1, new Shape(32, 2), DataType.FLOAT64);
            NDArray start = z.mul(grid.sigmaMax());

            NDArray ddim = new Ddim().sample(vpModel.edmView(), start, grid, NoiseSource.NONE, StepCallback.NONE);
            NDArray euler = new Euler().sample(new GaussianMixtureDenoiser(MIXTURE, new VeSchedule()).edmView(),
                    start, grid, NoiseSource.NONE, StepCallback.NONE);
            double eulerGap = ddim.sub(euler).abs().max().getDouble();
            assertTrue(eulerGap < 1e-12, "ddim on VP vs euler on EDM: " + eulerGap);

            // DDIM eq. 12 (η = 0) in the VP process's own coordinates: x_s = α_s·x̂0 + σ_s·ε̂.
            double t0 = vp.timeOfEdmSigma(grid.sigma(0));
            NDArray x = start.mul(vp.alpha(t0));
            for (int i = 0; i < grid.steps(); i++) {
                double t = vp.timeOfEdmSigma(grid.sigma(i));
                NDArray x0 = vpModel.denoise(x, t);
                if (grid.sigma(i + 1) == 0) {
                    x = x0;
                } else {
                    double s = vp.timeOfEdmSigma(grid.sigma(i + 1));
                    NDArray eps = x.sub(x0.mul(vp.alpha(t))).div(vp.sigma(t));
                    x = x0.mul(vp.alpha(s)).add(eps.mul(vp.sigma(s)));
                }
            }
            double paperGap = ddim.sub(x).abs().max().getDouble();
            assertTrue(paperGap < 1e-10, "ddim vs DDIM eq. 12 in VP coordinates: " + paperGap);
        }
    }
}
