package org.diffusion4j.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.diffusion4j.DiffusionException;
import org.diffusion4j.ShapeMismatchException;
import org.diffusion4j.backend.Backend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The committed TorchScript fixtures, loaded by diffusion4j's engine, give the outputs PyTorch gave when it made
 * them; modules that do not fit the calling convention are refused with what does not fit.
 */
class TorchScriptNetworkTest {
    @Test
    void vpEpsilonFixtureReproducesPyTorch() {
        try (NDManager m = Backend.newManager()) {
            Map<String, NDArray> ref = TorchScriptFixtures.reference("vp-eps-ddpm", m);
            TorchScriptNetwork network = TorchScriptNetwork.load(TorchScriptFixtures.file("vp-eps-ddpm.pt"), m,
                    new Shape(2), DataType.FLOAT32, 0, false);
            NDArray out = network.apply(ref.get("x"), ref.get("noise_label"), null);
            assertEquals(DataType.FLOAT32, out.getDataType());
            double difference = TorchScriptFixtures.maxAbsDifference(out, ref.get("output"));
            System.out.printf("vp-eps-ddpm: max |diffusion4j − PyTorch| = %.3g%n", difference);
            assertTrue(difference <= TorchScriptFixtures.tolerance(ref.get("output")), "max difference " + difference);
        }
    }

    @Test
    void edmClassFixtureReproducesPyTorch() {
        try (NDManager m = Backend.newManager()) {
            Map<String, NDArray> ref = TorchScriptFixtures.reference("edm-classes", m);
            TorchScriptNetwork network = TorchScriptNetwork.load(TorchScriptFixtures.file("edm-classes.pt"), m,
                    new Shape(1, 8, 8), DataType.FLOAT32, 3, true);
            assertEquals(DataType.INT64, ref.get("labels").getDataType());
            // the labels as the denoiser makes them (int32): the network passes int64 to the module
            NDArray out = network.apply(ref.get("x"), ref.get("noise_label"), ref.get("labels").toType(DataType.INT32,
                    false));
            double difference = TorchScriptFixtures.maxAbsDifference(out, ref.get("output"));
            System.out.printf("edm-classes: max |diffusion4j − PyTorch| = %.3g%n", difference);
            assertTrue(difference <= TorchScriptFixtures.tolerance(ref.get("output")), "max difference " + difference);
        }
    }

    @Test
    void aModuleSavedInTrainingModeRunsInEvalMode() {
        try (NDManager m = Backend.newManager()) {
            TorchScriptNetwork dropout = TorchScriptNetwork.load(TorchScriptFixtures.file("training-mode-dropout.pt"),
                    m, new Shape(64), DataType.FLOAT32, 0, false);
            NDArray x = m.ones(new Shape(4, 64));
            // in training mode, dropout(0.5) zeroes about half the values and doubles the others
            assertEquals(0, TorchScriptFixtures.maxAbsDifference(dropout.apply(x, m.ones(new Shape(4)), null), x));
        }
    }

    @Test
    void aModuleIsFreedWithTheManagerItWasLoadedFor() {
        try (NDManager parent = Backend.newManager()) {
            NDManager m = parent.newSubManager();
            TorchScriptNetwork network = TorchScriptNetwork.load(TorchScriptFixtures.file("vp-eps-ddpm.pt"), m,
                    new Shape(2), DataType.FLOAT32, 0, false);
            m.close();
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> network.apply(parent.ones(new Shape(2, 2)), parent.ones(new Shape(2)), null));
            assertContains(e.getMessage(), "handle has been released");
        }
    }

    private static DiffusionException loadError(String file, Shape shape, DataType type, int classes) {
        try (NDManager m = Backend.newManager()) {
            return assertThrows(DiffusionException.class, () -> TorchScriptNetwork.load(
                    TorchScriptFixtures.file(file), m, shape, type, classes, classes > 0));
        }
    }

    private static void assertContains(String message, String... parts) {
        for (String part : parts) {
            assertTrue(message.contains(part), "expected '" + part + "' in: " + message);
        }
    }

    @Test
    void aWrongInputShapeIsNamed() {
        String message = loadError("vp-eps-ddpm.pt", new Shape(3), DataType.FLOAT32, 0).getMessage();
        assertContains(message, "vp-eps-ddpm.pt: the module fails on a probe batch, forward(x: float32 (1, 3), "
                + "noise_label: float32 (1))", "sample_shape", "RuntimeError: mat1 and mat2 shapes cannot be "
                + "multiplied (1x19 and 18x32)");
        assertTrue(!message.contains("Traceback"), message);
        assertContains(loadError("edm-classes.pt", new Shape(2, 8, 8), DataType.FLOAT32, 3).getMessage(),
                "forward(x: float32 (1, 2, 8, 8), noise_label: float32 (1), class_labels: int64 (1))",
                "expected input[1, 2, 8, 8] to have 1 channels, but got 2 channels instead");
    }

    @Test
    void aWrongDtypeOrArgumentCountIsNamed() {
        assertContains(loadError("vp-eps-ddpm.pt", new Shape(2), DataType.FLOAT32, 3).getMessage(),
                "class_labels: int64 (1)", "Expected at most 3 argument(s) for operator 'forward', but received 4");
        assertContains(loadError("edm-classes.pt", new Shape(1, 8, 8), DataType.FLOAT32, 0).getMessage(),
                "forward() is missing value for argument 'labels'");
        assertContains(loadError("vp-eps-ddpm.pt", new Shape(2), DataType.FLOAT64, 0).getMessage(),
                "x: float64 (1, 2)", "dtype", "must have the same dtype");
        assertContains(loadError("vp-eps-ddpm.pt", new Shape(2), DataType.FLOAT16, 0).getMessage(),
                "computes in float32 or float64, not float16");
    }

    @Test
    void outputsThatDoNotFitAreNamed() {
        DiffusionException shape = loadError("misfit-shape.pt", new Shape(2), DataType.FLOAT32, 0);
        assertTrue(shape instanceof ShapeMismatchException, shape.toString());
        assertContains(shape.getMessage(), "misfit-shape.pt: output shape (1, 1) does not match input shape (1, 2)");
        assertContains(loadError("misfit-tuple.pt", new Shape(2), DataType.FLOAT32, 0).getMessage(),
                "the module returns 2 tensors (float32 (1, 2), float32 (1))", "a denoiser returns one tensor");
        assertContains(loadError("misfit-dtype.pt", new Shape(2), DataType.FLOAT32, 0).getMessage(),
                "misfit-dtype.pt: the module returns float64 for float32 inputs", "dtype");
    }

    @Test
    void aFileThatIsNoModuleIsNamed(@TempDir Path dir) throws Exception {
        Path notAModule = Files.writeString(dir.resolve("notes.pt"), "not a zip");
        try (NDManager m = Backend.newManager()) {
            DiffusionException e = assertThrows(DiffusionException.class,
                    () -> TorchScriptNetwork.load(notAModule, m, new Shape(2), DataType.FLOAT32, 0, false));
            assertContains(e.getMessage(), "notes.pt: not a TorchScript module this engine (PyTorch 2.7.1) can load");
            e = assertThrows(DiffusionException.class, () -> TorchScriptNetwork.load(dir.resolve("absent.pt"), m,
                    new Shape(2), DataType.FLOAT32, 0, false));
            assertContains(e.getMessage(), "absent.pt: no such TorchScript file");
        }
    }
}
