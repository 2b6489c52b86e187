package org.diffusion4j.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.diffusion4j.DiffusionException;

/** Named arrays in the safetensors format (readable by Python's {@code safetensors}), through DJL's codec. */
public final class Safetensors {
    private Safetensors() {}

    /** Writes {@code arrays} (by name), atomically. */
    public static void write(Path file, Map<String, NDArray> arrays) {
        AtomicFiles.write(file, out -> {
            NDList list = new NDList();
            try {
                arrays.forEach((name, array) -> {
                    NDArray copy = array.duplicate();
                    copy.setName(name);
                    list.add(copy);
                });
                list.encode(out, NDList.Encoding.SAFETENSORS);
            } finally {
                list.close();
            }
        });
    }

    /** Reads every array of {@code file} into {@code manager}, by name. */
    public static Map<String, NDArray> read(Path file, NDManager manager) {
        if (!Files.isRegularFile(file)) {
            throw new FileFormatException(file, "no such file");
        }
        NDList list;
        try (InputStream in = Files.newInputStream(file)) {
            list = NDList.decode(manager, in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new FileFormatException(file, "corrupt or truncated safetensors file (" + e.getMessage() + ")", e);
        }
        if (list == null) {
            throw new FileFormatException(file, "not a safetensors file");
        }
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (NDArray array : list) {
            out.put(array.getName(), array);
        }
        return out;
    }

    /**
     * Reads every array of a safetensors stream into {@code manager}, by name: a file shipped in the library's
     * resources, read where it lies (nothing is unpacked to disk); {@code source} names it in errors.
     */
    public static Map<String, NDArray> read(InputStream in, String source, NDManager manager) {
        NDList list;
        try {
            list = NDList.decode(manager, in);
        } catch (RuntimeException e) {
            throw new DiffusionException(source + ": corrupt or truncated safetensors (" + e.getMessage() + ")", e);
        }
        if (list == null) {
            throw new DiffusionException(source + ": not a safetensors file");
        }
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (NDArray array : list) {
            out.put(array.getName(), array);
        }
        return out;
    }
}
