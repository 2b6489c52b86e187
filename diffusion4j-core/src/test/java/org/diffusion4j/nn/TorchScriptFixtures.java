package org.diffusion4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The committed TorchScript fixtures of {@code src/test/python/make_torchscript_fixtures.py}: modules, sidecars and
 * the reference arrays PyTorch computed ({@code NAME.reference.npz}).
 */
public final class TorchScriptFixtures {
    private static final String DIRECTORY = "/org/diffusion4j/torchscript/";

    private TorchScriptFixtures() {}

    /** The file {@code name} of the fixture directory (e.g. {@code vp-eps-ddpm.pt}). */
    public static Path file(String name) {
        URL url = TorchScriptFixtures.class.getResource(DIRECTORY + name);
        if (url == null) {
            throw new IllegalStateException("no fixture " + name + "; run src/test/python/make_torchscript_fixtures.py");
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The reference arrays of fixture {@code name}, by name, in {@code manager}. */
    public static Map<String, NDArray> reference(String name, NDManager manager) {
        try (InputStream in = Files.newInputStream(file(name + ".reference.npz"))) {
            Map<String, NDArray> out = new LinkedHashMap<>();
            for (NDArray array : NDList.decode(manager, in)) {
                out.put(array.getName(), array);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Copies module {@code name}.pt into {@code dir} (as {@code as}.pt), for a test's own sidecar next to it. */
    public static Path copy(String name, Path dir, String as) {
        try {
            return Files.copy(file(name + ".pt"), dir.resolve(as + ".pt"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** max |a − b| in float64. */
    public static double maxAbsDifference(NDArray a, NDArray b) {
        return a.toType(ai.djl.ndarray.types.DataType.FLOAT64, true)
                .sub(b.toType(ai.djl.ndarray.types.DataType.FLOAT64, true)).abs().max().getDouble();
    }

    /**
     * The float32 tolerance of a comparison with {@code reference}: 1e-5·(1 + max |reference|), a few hundred units
     * in the last place of float32 values of that size (the engine's kernels may round differently from the PyTorch
     * build that made the fixtures, and on other CPUs).
     */
    public static double tolerance(NDArray reference) {
        return 1e-5 * (1 + reference.toType(ai.djl.ndarray.types.DataType.FLOAT64, true).abs().max().getDouble());
    }
}
