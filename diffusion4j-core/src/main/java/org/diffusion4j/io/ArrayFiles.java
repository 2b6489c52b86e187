package org.diffusion4j.io;

import org.diffusion4j.backend.NativeArrays;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;

/**
 * Reads and writes arrays as NumPy {@code .npy} and {@code .npz} and as {@code .csv} (one sample per row, values
 * flattened). The format follows the file extension. Reads are bounded ({@link Npy}, {@link UserFiles}: declared sizes
 * checked before allocating); writes go through DJL's {@link NDList} codecs and are atomic.
 */
public final class ArrayFiles {
    /** The name an array gets inside an {@code .npz} written by {@link #write}. */
    public static final String NPZ_ENTRY = "samples";

    private ArrayFiles() {}

    /** Reads the array in {@code file} (.npy, .npz with one array or one called {@value #NPZ_ENTRY}, .csv). */
    public static NDArray read(Path file, NDManager manager) {
        return read(file, manager, ReadLimits.defaults());
    }

    /**
     * Reads the array in {@code file} under {@code limits}: every declared size is checked against the file (or, in
     * a compressed .npz, against the most deflate can expand its entry) and the limits before anything is allocated.
     */
    public static NDArray read(Path file, NDManager manager, ReadLimits limits) {
        String extension = extension(file);
        long size = UserFiles.size(file);
        try {
            switch (extension) {
                case "npy":
                    try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
                        Npy.Header header = Npy.header(file, null, in, size, limits);
                        if (header.prefixBytes() + header.dataBytes() != size) {
                            throw new FileFormatException(file, "the header declares " + header.dataBytes()
                                    + " bytes of data but " + (size - header.prefixBytes()) + " follow it");
                        }
                        return Npy.data(file, null, in, header, manager);
                    }
                case "npz":
                    return readNpz(file, manager, limits);
                case "csv":
                    return readCsv(file, manager, limits);
                default:
                    throw new FileFormatException(file, "unknown array format '." + extension
                            + "'; expected .npy, .npz or .csv");
            }
        } catch (IOException e) {
            throw FileAccessException.reading(file, e);
        }
    }

    /** The most a deflated stream can expand: 1032 to 1 (zlib's technical report), plus a block's slack. */
    static final long DEFLATE_RATIO = 1032;

    private static NDArray readNpz(Path file, NDManager manager, ReadLimits limits) throws IOException {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            List<ZipEntry> arrays = new ArrayList<>();
            for (var e = zip.entries(); e.hasMoreElements();) {
                ZipEntry entry = e.nextElement();
                if (!entry.isDirectory()) {
                    arrays.add(entry);
                }
            }
            if (arrays.isEmpty()) {
                throw new FileFormatException(file, "holds no arrays");
            }
            ZipEntry chosen = arrays.size() == 1 ? arrays.get(0) : null;
            List<String> names = new ArrayList<>();
            for (ZipEntry entry : arrays) {
                String name = entry.getName().endsWith(".npy")
                        ? entry.getName().substring(0, entry.getName().length() - 4) : entry.getName();
                names.add(name);
                if (chosen == null && NPZ_ENTRY.equals(name)) {
                    chosen = entry;
                }
            }
            if (chosen == null) {
                throw new FileFormatException(file, "holds " + arrays.size() + " arrays " + names
                        + "; expected one, or one named '" + NPZ_ENTRY + "'");
            }
            String what = "entry '" + chosen.getName() + "'";
            long compressed = chosen.getCompressedSize();
            if (compressed < 0 || compressed > Files.size(file)) {
                throw new FileFormatException(file, what + ": compressed size " + compressed + " does not fit in the "
                        + "file");
            }
            long available = chosen.getMethod() == ZipEntry.STORED ? compressed
                    : Math.multiplyExact(compressed, DEFLATE_RATIO) + 1024;
            try (InputStream in = new BufferedInputStream(zip.getInputStream(chosen))) {
                Npy.Header header = Npy.header(file, what, in, available, limits);
                long declared = chosen.getSize();
                if (declared >= 0 && declared != header.prefixBytes() + header.dataBytes()) {
                    throw new FileFormatException(file, what + ": the zip directory says " + declared + " bytes, the "
                            + ".npy header " + (header.prefixBytes() + header.dataBytes()));
                }
                return Npy.data(file, what, in, header, manager);
            }
        } catch (ZipException e) {
            throw new FileFormatException(file, "not a valid .npz (zip) archive: " + e.getMessage(), e);
        } catch (EOFException e) {
            throw new FileFormatException(file, "truncated .npz archive", e);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new FileFormatException(file, "not a valid .npz (zip) archive: " + e.getMessage(), e);
        }
    }

    private static NDArray readCsv(Path file, NDManager manager, ReadLimits limits) {
        List<String> lines = UserFiles.readText(file, limits).lines().toList();
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

    /** Takes the batches of an array written in pieces. */
    @FunctionalInterface
    public interface BatchSink {
        /** Appends {@code batch} (rows × the sample shape) to the file. */
        void append(NDArray batch) throws IOException;
    }

    /** Hands every batch of an array to a sink, in order. */
    @FunctionalInterface
    public interface BatchProducer {
        void produce(BatchSink sink) throws IOException;
    }

    /**
     * Writes an array of {@code rows} samples of {@code sampleShape} in {@code type} to {@code file} (.npy, .npz or
     * .csv) batch by batch, as {@code producer} hands them over: the header first (its shape is known), then each
     * batch's bytes, so memory holds one batch whatever the number of rows. Atomic; the file is only replaced when
     * exactly {@code rows} rows of that shape arrived.
     */
    public static void writeInBatches(Path file, long rows, Shape sampleShape, DataType type, BatchProducer producer) {
        String extension = extension(file);
        if (!List.of("npy", "npz", "csv").contains(extension)) {
            throw new FileFormatException(file, "unknown array format '." + extension + "'; expected .npy, .npz or "
                    + ".csv");
        }
        Shape shape = new Shape(rows).addAll(sampleShape);
        AtomicFiles.write(file, raw -> {
            OutputStream out = new java.io.BufferedOutputStream(raw, 1 << 16);
            java.util.zip.ZipOutputStream zip = null;
            if (extension.equals("npz")) {
                zip = new java.util.zip.ZipOutputStream(out);
                zip.putNextEntry(new ZipEntry(NPZ_ENTRY + ".npy"));
                out = zip;
            }
            OutputStream target = out;
            if (!extension.equals("csv")) {
                target.write(npyHeader(shape, type));
            }
            long[] written = {0};
            producer.produce(batch -> {
                Shape expected = new Shape(batch.getShape().get(0)).addAll(sampleShape);
                if (!batch.getShape().equals(expected) || written[0] + batch.getShape().get(0) > rows) {
                    throw new IllegalStateException("batch of shape " + batch.getShape() + " after " + written[0]
                            + " rows does not continue an array of shape " + shape);
                }
                if (extension.equals("csv")) {
                    writeCsv(batch, target);
                } else {
                    try (NDArray typed = NativeArrays.copy(batch, type)) {
                        java.nio.ByteBuffer bytes = typed.toByteBuffer();
                        byte[] chunk = new byte[Math.min(1 << 16, Math.max(1, bytes.remaining()))];
                        while (bytes.hasRemaining()) {
                            int k = Math.min(chunk.length, bytes.remaining());
                            bytes.get(chunk, 0, k);
                            target.write(chunk, 0, k);
                        }
                    }
                }
                written[0] += batch.getShape().get(0);
            });
            if (written[0] != rows) {
                throw new IllegalStateException(written[0] + " rows written of " + rows);
            }
            if (zip != null) {
                zip.closeEntry();
                zip.finish();
            }
            out.flush();
        });
    }

    /** A version 1.0 .npy header for {@code shape} in {@code type}, padded to 64 bytes as NumPy does. */
    static byte[] npyHeader(Shape shape, DataType type) {
        String order = java.nio.ByteOrder.nativeOrder() == java.nio.ByteOrder.LITTLE_ENDIAN ? "<" : ">";
        String descr = type.getNumOfBytes() == 1 ? type.asNumpy() : order + type.asNumpy().substring(1);
        StringBuilder dims = new StringBuilder("(");
        for (int i = 0; i < shape.dimension(); i++) {
            dims.append(i > 0 ? ", " : "").append(shape.get(i));
        }
        dims.append(shape.dimension() == 1 ? ",)" : ")");
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + dims + ", }";
        int unpadded = 10 + dict.length() + 1;
        String header = dict + " ".repeat((64 - unpadded % 64) % 64) + "\n";
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(10 + header.length())
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) header.length())
                .put(header.getBytes(StandardCharsets.ISO_8859_1));
        return b.array();
    }

    /** The lower-case extension of {@code file} without the dot, or "" if none. */
    public static String extension(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }
}
