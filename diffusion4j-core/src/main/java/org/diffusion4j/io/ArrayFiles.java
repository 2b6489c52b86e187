package org.diffusion4j.io;

import org.diffusion4j.backend.NativeArrays;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.ByteArrayOutputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.zip.ZipInputStream;

/**
 * Reads and writes arrays as NumPy {@code .npy} and {@code .npz} (through DJL's {@link NDList} codecs) and as
 * {@code .csv} (one sample per row, values flattened). The format follows the file extension; writes are atomic.
 */
public final class ArrayFiles {
    /** The name an array gets inside an {@code .npz} written by {@link #write}. */
    public static final String NPZ_ENTRY = "samples";

    private ArrayFiles() {}

    /** Reads the array in {@code file} (.npy, .npz with one array or one called {@value #NPZ_ENTRY}, .csv). */
    public static NDArray read(Path file, NDManager manager) {
        String extension = extension(file);
        if (!Files.isRegularFile(file)) {
            throw new FileFormatException(file, "no such file");
        }
        try {
            switch (extension) {
                case "npy":
                case "npz":
                    return readNumpy(file, manager);
                case "csv":
                    return readCsv(file, manager);
                default:
                    throw new FileFormatException(file, "unknown array format '." + extension
                            + "'; expected .npy, .npz or .csv");
            }
        } catch (NoSuchFileException e) {
            throw new FileFormatException(file, "no such file", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static NDArray readNumpy(Path file, NDManager manager) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        NDList list;
        try (InputStream in = new ByteArrayInputStream(bytes)) {
            list = NDList.decode(manager, in);
        } catch (RuntimeException e) {
            throw new FileFormatException(file, "not a valid NumPy array file (" + e.getMessage() + ")", e);
        }
        if (list == null || list.isEmpty()) {
            throw new FileFormatException(file, "holds no arrays");
        }
        if (list.size() == 1) {
            return list.get(0);
        }
        for (NDArray array : list) {
            if (NPZ_ENTRY.equals(array.getName())) {
                return array;
            }
        }
        List<String> names = new ArrayList<>();
        list.forEach(a -> names.add(a.getName()));
        throw new FileFormatException(file, "holds " + list.size() + " arrays " + names + "; expected one, or one named '"
                + NPZ_ENTRY + "'");
    }

    private static NDArray readCsv(Path file, NDManager manager) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        List<double[]> rows = new ArrayList<>();
        int width = -1;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).trim();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] cells = line.split(",");
            if (width < 0) {
                width = cells.length;
            } else if (cells.length != width) {
                throw new FileFormatException(file, "line " + (i + 1) + " has " + cells.length
                        + " values, expected " + width + " like the first row");
            }
            double[] row = new double[width];
            for (int j = 0; j < width; j++) {
                try {
                    row[j] = Double.parseDouble(cells[j].trim());
                } catch (NumberFormatException e) {
                    throw new FileFormatException(file, "line " + (i + 1) + ", column " + (j + 1)
                            + ": '" + cells[j].trim() + "' is not a number");
                }
            }
            rows.add(row);
        }
        if (rows.isEmpty()) {
            throw new FileFormatException(file, "holds no rows");
        }
        double[] flat = new double[rows.size() * width];
        for (int i = 0; i < rows.size(); i++) {
            System.arraycopy(rows.get(i), 0, flat, i * width, width);
        }
        return manager.create(flat, new Shape(rows.size(), width));
    }

    /** Writes {@code array} to {@code file} in the format of its extension (.npy, .npz, .csv), atomically. */
    public static void write(Path file, NDArray array) {
        String extension = extension(file);
        switch (extension) {
            case "npy":
                byte[] npy = npyBytes(array);
                AtomicFiles.write(file, out -> out.write(npy));
                break;
            case "npz":
                AtomicFiles.write(file, out -> {
                    try (NDArray named = named(array)) {
                        new NDList(named).encode(out, NDList.Encoding.NPZ);
                    }
                });
                break;
            case "csv":
                AtomicFiles.write(file, out -> writeCsv(array, out));
                break;
            default:
                throw new FileFormatException(file, "unknown array format '." + extension
                        + "'; expected .npy, .npz or .csv");
        }
    }

    private static NDArray named(NDArray array) {
        NDArray named = array.duplicate();
        named.setName(NPZ_ENTRY);
        return named;
    }

    /** The bytes of a {@code .npy} file: DJL encodes an NPZ (a zip of .npy entries); its single entry is that file. */
    private static byte[] npyBytes(NDArray array) {
        try (NDArray named = named(array)) {
            ByteArrayOutputStream zip = new ByteArrayOutputStream();
            new NDList(named).encode(zip, NDList.Encoding.NPZ);
            try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip.toByteArray()))) {
                if (in.getNextEntry() == null) {
                    throw new IllegalStateException("DJL wrote an empty NPZ archive");
                }
                return in.readAllBytes();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeCsv(NDArray array, OutputStream out) throws IOException {
        Shape shape = array.getShape();
        long rows = shape.dimension() == 0 ? 1 : shape.get(0);
        int width = (int) (shape.size() / Math.max(rows, 1));
        double[] values;
        try (NDArray doubles = NativeArrays.copy(array, DataType.FLOAT64)) {
            values = doubles.toDoubleArray();
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < width; j++) {
                if (j > 0) {
                    text.append(',');
                }
                text.append(values[i * width + j]);
            }
            text.append('\n');
        }
        out.write(text.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The lower-case extension of {@code file} without the dot, or "" if none. */
    public static String extension(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }
}
