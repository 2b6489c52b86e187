package org.diffusion4j.sample;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.denoise.Denoiser;
import org.diffusion4j.denoise.GaussianMixtureDenoiser;
import org.diffusion4j.denoise.MixtureSpec;
import org.diffusion4j.grid.Grid;
import org.diffusion4j.grid.GridSpec;
import org.diffusion4j.process.VeSchedule;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** A batch of seeded samples equals the same seeds run one by one, with i.i.d. and Brownian noise alike. */
class BatchInvarianceTest {

    static List<String> samplers() {
        return List.of("euler-ancestral", "dpm2-ancestral", "dpmpp-2s-ancestral", "dpmpp-sde", "dpmpp-2m-sde",
                "dpmpp-3m-sde", "ddpm", "ddim:eta=0.7", "euler:s_churn=5", "heun:s_churn=5", "dpm2:s_churn=5",
                "dpmpp-2m", "unipc:order=3", "lms");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samplers")
    void batchEqualsSeedsOneByOne(String spec) {
        Sampler sampler = SamplerRegistry.create(spec);
        Denoiser denoiser = new GaussianMixtureDenoiser(MixtureSpec.bundled("eight-gaussians"), new VeSchedule())
                .edmView();
        Grid grid = new GridSpec.Karras(0.002, 80, 7).build(12, new VeSchedule(), true);
        long[] seeds = {3, 141, 59, 26, 5, 358};
        for (NoiseKind kind : NoiseKind.values()) {
            for (DataType type : List.of(DataType.FLOAT64, DataType.FLOAT32)) {
                try (NDManager m = Backend.newManager()) {
                    double[] batch = Sampling.of(sampler, denoiser, grid).noise(kind)
                            .generate(seeds, new Shape(2), type, m).samples().toType(DataType.FLOAT64, false)
                            .toDoubleArray();
                    for (int i = 0; i < seeds.length; i++) {
                        NDArray single = Sampling.of(sampler, denoiser, grid).noise(kind)
                                .generate(new long[] {seeds[i]}, new Shape(2), type, m).samples();
                        double[] one = single.toType(DataType.FLOAT64, false).toDoubleArray();
                        double tolerance = type == DataType.FLOAT64 ? 1e-12 : 1e-5;
                        for (int k = 0; k < 2; k++) {
                            double gap = Math.abs(one[k] - batch[2 * i + k]);
                            assertTrue(gap <= tolerance * Math.max(1, Math.abs(one[k])),
                                    spec + " " + kind + " " + type + " seed " + seeds[i] + ": " + gap);
                        }
                    }
                }
            }
        }
    }
}
