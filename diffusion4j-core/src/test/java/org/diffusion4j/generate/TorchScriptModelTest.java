package org.diffusion4j.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.diffusion4j.DiffusionException;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.grid.GridSpec;
import org.diffusion4j.io.FileFormatException;
import org.diffusion4j.nn.TorchScriptFixtures;
import org.diffusion4j.process.NoiseSchedule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The TorchScript fixtures as models: the EDM fixture's denoiser is PyTorch's D, DDIM on the VP ε fixture follows
 * the DDIM trajectory PyTorch computed, and every sampler runs on both.
 */
class TorchScriptModelTest {

    @Test
    void ddimOnTheVpEpsilonFixtureFollowsPyTorchsTrajectory() {
        try (NDManager m = Backend.newManager()) {
            TorchScriptModel model = TorchScriptModel.load(TorchScriptFixtures.file("vp-eps-ddpm.pt"), m);
            Map<String, NDArray> ref = TorchScriptFixtures.reference("vp-eps-ddpm", m);
            NoiseSchedule schedule = model.sidecar().preconditioning().schedule();
            double[] sigmas = ref.get("ddim_sigmas").toDoubleArray();
            double[] alphas = ref.get("ddim_alphas").toDoubleArray();
            // the same chain: DDIM's uniform skip of the 250 timesteps is the respaced grid, √ᾱ is α
            double[] respaced = new GridSpec.Respaced(GridSpec.Respaced.Skip.UNIFORM).positiveSigmas(10, schedule);
            for (int i = 0; i < sigmas.length; i++) {
                assertEquals(sigmas[i], respaced[i], 1e-12 * sigmas[i], "σ̃ at step " + i);
                assertEquals(alphas[i], schedule.alpha(schedule.timeOfEdmSigma(sigmas[i])), 1e-12, "α at step " + i);
            }
            // PyTorch's start x_T is in the chain's coordinates; the samplers' state is x_T/α_T (the EDM view)
            NDArray start = ref.get("ddim_start").div(alphas[0]);
            List<double[]> states = new ArrayList<>();
            Generation g = model.generator().generate(GenerationRequest.builder(new long[] {0, 1, 2, 3})
                    .sampler("ddim").steps(sigmas.length).grid(new GridSpec.Explicit(sigmas)).finalZero(true)
                    .dtype(DataType.FLOAT64).start(start).callback(info -> states.add(info.x().toDoubleArray()))
                    .build(), m);
            assertEquals(10, g.steps());
            assertEquals(10, g.evaluations());
            double[][] trajectory = rows(ref.get("ddim_trajectory"), 10);
            double worst = 0;
            for (int i = 0; i < states.size(); i++) {
                for (int j = 0; j < states.get(i).length; j++) {
                    worst = Math.max(worst, Math.abs(states.get(i)[j] * alphas[i] - trajectory[i][j]));
                }
            }
            double samples = TorchScriptFixtures.maxAbsDifference(g.samples(), ref.get("ddim_samples"));
            System.out.printf("vp-eps-ddpm ddim, 10 steps: max |diffusion4j − PyTorch| = %.3g along the trajectory, "
                    + "%.3g in the samples%n", worst, samples);
            assertEquals(10, states.size());
            assertTrue(worst <= TorchScriptFixtures.tolerance(ref.get("ddim_trajectory")), "trajectory: " + worst);
            assertTrue(samples <= TorchScriptFixtures.tolerance(ref.get("ddim_samples")), "samples: " + samples);
        }
    }

    private static double[][] rows(NDArray array, int count) {
        double[] flat = array.toType(DataType.FLOAT64, false).toDoubleArray();
        int width = flat.length / count;
        double[][] out = new double[count][width];
        for (int i = 0; i < count; i++) {
            System.arraycopy(flat, i * width, out[i], 0, width);
        }
        return out;
    }

    @Test
    void theEdmFixturesDenoiserIsPyTorchsD() {
        try (NDManager m = Backend.newManager()) {
            TorchScriptModel model = TorchScriptModel.load(TorchScriptFixtures.file("edm-classes.pt"), m);
            Map<String, NDArray> ref = TorchScriptFixtures.reference("edm-classes", m);
            double[] sigma = ref.get("noise_label").toType(DataType.FLOAT64, false).toDoubleArray();
            long[] labels = ref.get("labels").toLongArray();
            double worst = 0;
            for (int i = 0; i < sigma.length; i++) {
                NDArray x = ref.get("x").get(i + ":" + (i + 1));
                int label = (int) labels[i];
                NDArray denoised = label == 3 ? model.denoiser().denoise(x, sigma[i])
                        : model.denoiser(new int[] {label}, 1).denoise(x, sigma[i]);
                worst = Math.max(worst, TorchScriptFixtures.maxAbsDifference(denoised,
                        ref.get("output").get(i + ":" + (i + 1))));
            }
            System.out.printf("edm-classes denoiser: max |diffusion4j − PyTorch| = %.3g%n", worst);
            assertTrue(worst <= TorchScriptFixtures.tolerance(ref.get("output")), "D differs by " + worst);
        }
    }

    @Test
    void everySamplerRunsOnBothFixtures() {
        try (NDManager m = Backend.newManager()) {
            for (String fixture : new String[] {"vp-eps-ddpm", "edm-classes"}) {
                Generator generator = TorchScriptModel.load(TorchScriptFixtures.file(fixture + ".pt"), m).generator();
                for (String sampler : generator.samplers()) {
                    try (NDManager run = m.newSubManager()) {
                        GenerationRequest.Builder request = GenerationRequest.builder(new long[] {7, 8})
                                .sampler(sampler).steps(4);
                        if (generator.classes() > 0) {
                            request.classes(new int[] {0, 2}).guidance(1.5);
                        }
                        Generation g = generator.generate(request.build(), run);
                        assertEquals(new Shape(2).addAll(generator.sampleShape()), g.samples().getShape(), sampler);
                        assertTrue(g.samples().isInfinite().logicalOr(g.samples().isNaN()).none().getBoolean(),
                                fixture + " " + sampler);
                    } catch (DiffusionException e) {
                        throw new AssertionError(fixture + " " + sampler + ": " + e.getMessage(), e);
                    }
                }
            }
        }
    }

    @Test
    void aConditionalModuleWithoutANullClassTakesNoGuidance(@TempDir Path dir) throws Exception {
        Path module = TorchScriptFixtures.copy("edm-classes", dir, "no-null");
        Files.writeString(dir.resolve("no-null.json"), Files.readString(TorchScriptFixtures.file("edm-classes.json"))
                .replace("\"null_class\": true", "\"null_class\": false"));
        try (NDManager m = Backend.newManager()) {
            Generator generator = TorchScriptModel.load(module, m).generator();
            Generation g = generator.generate(GenerationRequest.builder(new long[] {1}).classes(new int[] {2})
                    .steps(3).build(), m);
            assertEquals(new Shape(1, 1, 8, 8), g.samples().getShape());
            InvalidArgumentException guided = assertThrows(InvalidArgumentException.class, () -> generator.generate(
                    GenerationRequest.builder(new long[] {1}).classes(new int[] {2}).guidance(2).steps(3).build(), m));
            assertEquals("guidance scale 2.0 needs an unconditional denoiser, but the network has no null class; "
                    + "leave the scale at 1", guided.getMessage());
            InvalidArgumentException unconditional = assertThrows(InvalidArgumentException.class,
                    () -> generator.generate(GenerationRequest.builder(new long[] {1}).steps(3).build(), m));
            assertEquals("the network is class-conditional without a null class; it samples only given a class per "
                    + "sample", unconditional.getMessage());
        }
    }

    @Test
    void aModuleWithoutASidecarOrWithAMisfittingOneIsRefusedByName(@TempDir Path dir) throws Exception {
        Path module = TorchScriptFixtures.copy("vp-eps-ddpm", dir, "model");
        try (NDManager m = Backend.newManager()) {
            FileFormatException missing = assertThrows(FileFormatException.class,
                    () -> TorchScriptModel.load(module, m));
            assertTrue(missing.getMessage().startsWith(dir.resolve("model.json") + ": no such sidecar file"),
                    missing.getMessage());
            String sidecar = Files.readString(TorchScriptFixtures.file("vp-eps-ddpm.json"));
            Files.writeString(dir.resolve("model.json"), sidecar.replace("\"sample_shape\": [\n    2\n  ]",
                    "\"sample_shape\": [3, 4]"));
            DiffusionException shape = assertThrows(DiffusionException.class, () -> TorchScriptModel.load(module, m));
            assertTrue(shape.getMessage().contains("forward(x: float32 (1, 3, 4), noise_label: float32 (1))")
                    && shape.getMessage().contains("sample_shape"), shape.getMessage());
            Path misfit = TorchScriptFixtures.copy("misfit-shape", dir, "misfit");
            Files.writeString(dir.resolve("misfit.json"), sidecar);
            DiffusionException output = assertThrows(DiffusionException.class, () -> TorchScriptModel.load(misfit, m));
            assertTrue(output.getMessage().contains("output shape (1, 1) does not match input shape (1, 2)"),
                    output.getMessage());
        }
    }
}
