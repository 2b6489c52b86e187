package org.diffusion4j.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
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

/**
 * No sampler leaks an array per step: the live arrays seen by the callback stay constant along a long run. The
 * adaptive sampler, which reports only its last step, must at least leave nothing behind.
 */
class SamplerMemoryTest {

    static List<String> samplers() {
        return SamplerRegistry.names();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samplers")
    void liveArraysStayFlat(String spec) {
        Denoiser denoiser = new GaussianMixtureDenoiser(MixtureSpec.bundled("eight-gaussians"), new VeSchedule())
                .edmView();
        Grid grid = new GridSpec.Karras(0.002, 80, 7).build(200, new VeSchedule(), true);
        try (NDManager m = Backend.newManager()) {
            NDArray start = m.randomNormal(0, 80, new Shape(16, 2), DataType.FLOAT32);
            List<Integer> live = new ArrayList<>();
            int before = m.getManagedArrays().size();
            Sampler sampler = SamplerRegistry.create(spec, SamplingContext.of(new VeSchedule()));
            NDArray out = sampler.sample(denoiser, start, grid, GaussianNoise.consecutive(0, 16),
                    info -> live.add(m.getManagedArrays().size()));
            if (sampler instanceof AdaptiveProbabilityFlow) {
                out.close();
                assertEquals(before, m.getManagedArrays().size(), spec + " left arrays behind");
                return;
            }
            assertEquals(200, live.size());
            int early = live.subList(10, 20).stream().mapToInt(Integer::intValue).max().orElseThrow();
            int late = live.subList(180, 199).stream().mapToInt(Integer::intValue).max().orElseThrow();
            assertTrue(late <= early, spec + ": " + early + " live arrays at step ~10, " + late + " at step ~190");
            out.close();
            assertEquals(before, m.getManagedArrays().size(), spec + " left arrays behind");
        }
    }
}
