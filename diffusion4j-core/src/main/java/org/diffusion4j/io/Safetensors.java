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
}
