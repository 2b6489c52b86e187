package org.diffusion4j.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.diffusion4j.denoise.Preconditioning;
import org.diffusion4j.grid.GridSpec;
import org.diffusion4j.io.FileFormatException;
import org.diffusion4j.nn.TorchScriptFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Sidecars map onto the existing preconditioning; every bad field is named with what was expected and found. */
class TorchScriptSidecarTest {
    private static final Path FILE = Path.of("model.json");

    private static TorchScriptSidecar parse(String json) {
        return TorchScriptSidecar.parse(json, FILE);
    }

    @Test
    void theFixturesSidecarsMapOntoThePreconditioning() {
        TorchScriptSidecar vp = TorchScriptSidecar.read(TorchScriptFixtures.file("vp-eps-ddpm.json"));
        assertEquals(new Shape(2), vp.sampleShape());
        assertEquals(DataType.FLOAT32, vp.dataType());
        assertEquals(new Preconditioning("ddpm-linear:beta_start=1.0E-4,beta_end=0.08,steps=250", "epsilon", 0.5,
                false, "t"), vp.preconditioning());
        assertEquals(0, vp.classes());
        assertEquals(new GridSpec.Karras(Math.sqrt(1e-4 / (1 - 1e-4)), 80, 7).sigmaMin(), vp.sigmaMin(), 1e-12);
        assertEquals(80, vp.sigmaMax());
        assertEquals("heun", vp.sampler());
        TorchScriptSidecar edm = TorchScriptSidecar.read(TorchScriptFixtures.file("edm-classes.json"));
        assertEquals(new Shape(1, 8, 8), edm.sampleShape());
        assertEquals(new Preconditioning("edm", "data", 0.5, false, "sigma"), edm.preconditioning());
        assertEquals(3, edm.classes());
        assertEquals(true, edm.nullClass());
        assertEquals(new GridSpec.Karras(0.002, 80, 7), edm.defaultGrid());
    }

    @Test
    void theNoiseLabelTimestepIsTheChainsIndexOrNMinusOneTimesT() {
        assertEquals(new Preconditioning("vp", "epsilon", 0.5, false, "time:steps=1000"), parse("""
                {"sample_shape": [2], "prediction": "epsilon", "process": "vp", "noise_label": "timestep"}
                """).preconditioning());
        assertEquals(new Preconditioning("vp:beta_min=0.1,beta_max=19.9", "v", 1, true, "time:steps=500"), parse("""
                {"sample_shape": [2], "prediction": "v", "process": "vp", "beta_min": 0.1, "beta_max": 19.9,
                 "noise_label": "timestep", "timesteps": 500, "scale_input": true, "sigma_data": 1}
                """).preconditioning());
        assertEquals(new Preconditioning("ddpm-cosine:steps=64", "epsilon", 0.5, false, "t"), parse("""
                {"sample_shape": [2], "prediction": "epsilon", "process": "ddpm-cosine", "timesteps": 64,
                 "noise_label": "timestep"}
                """).preconditioning());
        assertEquals(new Preconditioning("edm", "edm", 0.5, true, "log-sigma"), parse("""
                {"sample_shape": [2], "prediction": "edm", "process": "edm", "noise_label": "log-sigma",
                 "scale_input": true, "sigma_data": 0.5}
                """).preconditioning());
        assertEquals(new Preconditioning("linear", "velocity", 0.5, false, "t"), parse("""
                {"sample_shape": [2], "prediction": "velocity", "process": "linear", "noise_label": "t"}
                """).preconditioning());
    }

    @Test
    void theDefaultGridStaysInsideTheProcesssLevels() {
        TorchScriptSidecar small = parse("""
                {"sample_shape": [2], "prediction": "epsilon", "process": "vp", "beta_min": 0.1, "beta_max": 5,
                 "noise_label": "t"}
                """);
        double top = small.preconditioning().schedule().edmSigma(1);
        assertEquals(top, small.sigmaMax(), 1e-12);
        assertEquals(0.002, small.sigmaMin());
    }

    @Test
    void theSidecarOfAModuleIsItsNameWithJson() {
        assertEquals(Path.of("dir/model.json"), TorchScriptSidecar.pathFor(Path.of("dir/model.pt")));
        assertEquals(Path.of("a.b.json"), TorchScriptSidecar.pathFor(Path.of("a.b.pt")));
        assertEquals(Path.of("model.json"), TorchScriptSidecar.pathFor(Path.of("model")));
    }

    static Stream<Arguments> badSidecars() {
        String base = "\"sample_shape\": [2], \"prediction\": \"epsilon\", \"noise_label\": \"t\"";
        return Stream.of(
                Arguments.of("[1, 2]", "expected a JSON object with sample_shape, prediction, process and noise_label"),
                Arguments.of("{\"sample_shape\": [2", "not valid JSON"),
                Arguments.of("{\"prediction\": \"epsilon\", \"process\": \"vp\", \"noise_label\": \"t\"}",
                        "missing field 'sample_shape' (the shape of one sample, e.g. [2] or [3, 32, 32])"),
                Arguments.of("{\"sample_shape\": [2], \"process\": \"vp\", \"noise_label\": \"t\"}",
                        "missing field 'prediction' (one of epsilon, data, v, velocity, score, edm)"),
                Arguments.of("{" + base + "}", "missing field 'process' (one of edm, ve, vp, vp-cosine, linear, gvp, "
                        + "ddpm-linear, ddpm-scaled-linear, ddpm-cosine)"),
                Arguments.of("{" + base + ", \"process\": \"vp\", \"predicton\": 1}",
                        "unknown field 'predicton'; the fields are version, sample_shape, dtype, prediction, process,"),
                Arguments.of("{\"sample_shape\": [2], \"prediction\": \"eps\", \"process\": \"vp\", "
                        + "\"noise_label\": \"t\"}",
                        "field 'prediction': expected one of epsilon, data, v, velocity, score, edm, got \"eps\""),
                Arguments.of("{\"sample_shape\": [2, 0], \"prediction\": \"data\", \"process\": \"vp\", "
                        + "\"noise_label\": \"t\"}", "field 'sample_shape': expected positive integers, got 0 at index 1"),
                Arguments.of("{\"sample_shape\": \"2\", \"prediction\": \"data\", \"process\": \"vp\", "
                        + "\"noise_label\": \"t\"}",
                        "field 'sample_shape': expected a non-empty array of positive integers, got \"2\""),
                Arguments.of("{" + base + ", \"process\": \"vp\", \"dtype\": \"float16\"}",
                        "field 'dtype': expected one of float32, float64, got \"float16\""),
                Arguments.of("{" + base + ", \"process\": \"vp\", \"version\": 2}", "field 'version': expected 1, got 2"),
                Arguments.of("{\"sample_shape\": [2], \"prediction\": \"epsilon\", \"process\": \"edm\", "
                        + "\"noise_label\": \"timestep\"}", "field 'noise_label': timestep needs a ddpm chain or a "
                        + "process on t ∈ [0, 1] (vp, vp-cosine, linear, gvp); process edm has σ = t, unbounded"),
                Arguments.of("{\"sample_shape\": [2], \"prediction\": \"data\", \"process\": \"edm\", "
                        + "\"noise_label\": \"sigmas\"}", "field 'noise_label': expected one of timestep, t, sigma, "
                        + "log-sigma, log-half-sigma, got \"sigmas\""),
                Arguments.of("{" + base + ", \"process\": \"edm\", \"beta_min\": 0.1}",
                        "field 'beta_min' does not apply to process edm, which takes no parameters"),
                Arguments.of("{" + base + ", \"process\": \"vp\", \"beta_start\": 0.1}",
                        "field 'beta_start' does not apply to process vp, which takes beta_min, beta_max"),
                Arguments.of("{" + base + ", \"process\": \"gvp\", \"timesteps\": 1000}",
                        "field 'timesteps' applies to the ddpm processes and to noise_label timestep; this sidecar "
                        + "has process gvp and noise_label t"),
                Arguments.of("{" + base + ", \"process\": \"vp\", \"beta_min\": 30, \"beta_max\": 20}",
                        "process vp:beta_min=30.0,beta_max=20.0: need 0 ≤ β_min ≤ β_max and β_max > 0, got 30.0, "
                        + "20.0"),
                Arguments.of("{" + base + ", \"process\": \"ddpm-linear\", \"timesteps\": 1}",
                        "field 'timesteps': a ddpm chain needs at least 2 timesteps, got 1"),
                Arguments.of("{" + base + ", \"process\": \"ddpm-linear\", \"beta_end\": \"0.02\"}",
                        "field 'beta_end': expected a number, got \"0.02\""),
                Arguments.of("{\"sample_shape\": [2], \"prediction\": \"edm\", \"process\": \"edm\", "
                        + "\"noise_label\": \"log-sigma\"}",
                        "missing field 'sigma_data' (the data's standard deviation σ_d), which prediction edm uses"),
                Arguments.of("{" + base + ", \"process\": \"vp\", \"scale_input\": \"yes\"}",
                        "field 'scale_input': expected true or false, got \"yes\""),
                Arguments.of("{" + base + ", \"process\": \"vp\", \"scale_input\": true, \"sigma_data\": -1}",
                        "field 'sigma_data': expected a positive number, got -1.0"),
                Arguments.of("{" + base + ", \"process\": \"vp\", \"classes\": 2.5}",
                        "field 'classes': expected an integer, got 2.5"),
                Arguments.of("{" + base + ", \"process\": \"vp\", \"classes\": -1}",
                        "field 'classes': expected a number of classes ≥ 0, got -1"),
                Arguments.of("{" + base + ", \"process\": \"vp\", \"null_class\": true}",
                        "field 'null_class' is true but the model has no classes (field 'classes' is 0)"),
                Arguments.of("{" + base + ", \"process\": \"ddpm-linear\", \"sigma_max\": 200}",
                        "field 'sigma_max': 200.0 is above the largest level of process ddpm-linear, σ̃ = 157.4"),
                Arguments.of("{" + base + ", \"process\": \"ddpm-linear\", \"sigma_min\": 0.001}",
                        "field 'sigma_min': 0.001 is below the smallest level of process ddpm-linear, σ̃ = 0.0100005"),
                Arguments.of("{" + base + ", \"process\": \"edm\", \"sigma_min\": 5, \"sigma_max\": 1}",
                        "fields 'sigma_min' and 'sigma_max': expected sigma_min < sigma_max, got 5.0 and 1.0"),
                Arguments.of("{" + base + ", \"process\": \"vp\", \"sampler\": \"eulr\"}",
                        "field 'sampler': unknown sampler 'eulr'; known samplers: euler, "));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("badSidecars")
    void badFieldsAreNamed(String json, String expected) {
        FileFormatException e = assertThrows(FileFormatException.class, () -> parse(json));
        String message = e.getMessage();
        org.junit.jupiter.api.Assertions.assertTrue(message.startsWith("model.json: " + expected),
                "expected 'model.json: " + expected + "…', got: " + message);
    }
}
