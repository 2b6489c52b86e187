package org.diffusion4j.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The bounded reader of one NumPy {@code .npy} array (a file, or an entry of an {@code .npz}): the header is read
 * and checked (magic, version, header length, dtype, order, shape × itemsize against the bytes available and the
 * {@link ReadLimits}) before the data is allocated.
 */
final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Map<String, DataType> TYPES = Map.of("<f8", DataType.FLOAT64, "<f4", DataType.FLOAT32,
            "<f2", DataType.FLOAT16, "<i8", DataType.INT64, "<i4", DataType.INT32, "<i2", DataType.INT16,
            "|i1", DataType.INT8, "|u1", DataType.UINT8, "|b1", DataType.BOOLEAN);
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private Npy() {}

    /**
     * A checked header.
     *
     * @param prefixBytes magic, version, length and the header text: where the data starts
     * @param dataBytes shape × itemsize, what reading the data allocates
     */
    record Header(DataType type, long[] shape, long prefixBytes, long dataBytes) {}

    /**
     * Reads and checks the header at the start of {@code in}; the data may take at most {@code available} bytes.
     *
     * @param what names the array in messages (an npz entry), or null for a standalone file
     */
    static Header header(Path file, String what, InputStream in, long available, ReadLimits limits)
            throws IOException {
        // magic (6), version (2) and the header length: 2 bytes in version 1, 4 in versions 2 and 3
        byte[] start = new byte[12];
        int got = in.readNBytes(start, 0, 8);
        if (got < 8 || !Arrays.equals(Arrays.copyOf(start, 6), MAGIC)) {
            throw new FileFormatException(file, prefix(what) + "not a valid NumPy array file (no \\x93NUMPY magic)");
        }
        int major = start[6] & 0xff;
        long length;
        int lengthBytes;
        if (major == 1) {
            lengthBytes = 2;
        } else if (major == 2 || major == 3) {
            lengthBytes = 4;
        } else {
            throw new FileFormatException(file, prefix(what) + ".npy format version " + major + "." + (start[7] & 0xff)
                    + " is not supported; expected 1.0, 2.0 or 3.0");
        }
        if (in.readNBytes(start, 8, lengthBytes) < lengthBytes) {
            throw new FileFormatException(file, prefix(what) + "truncated in the header length: version " + major
                    + " needs a " + lengthBytes + "-byte header length after the first 8 bytes");
        }
        ByteBuffer l = ByteBuffer.wrap(start, 8, lengthBytes).order(ByteOrder.LITTLE_ENDIAN);
        length = lengthBytes == 2 ? l.getShort() & 0xffff : l.getInt() & 0xffffffffL;
        long prefix = 8 + lengthBytes + length;
        if (prefix > available || length > limits.maxTextBytes()) {
            throw new FileFormatException(file, prefix(what) + "header length " + length + " does not fit in the "
                    + available + " bytes there are");
        }
        byte[] text = in.readNBytes((int) length);
        if (text.length < length) {
            throw new FileFormatException(file, prefix(what) + "truncated in the header (" + text.length + " of "
                    + length + " bytes)");
        }
        String dict = new String(text, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1).trim();
        if (!dict.startsWith("{") || !dict.endsWith("}")) {
            throw new FileFormatException(file, prefix(what) + "the header is not a Python dict: " + excerpt(dict));
        }
        String descr = find(file, what, DESCR, dict, "descr");
        DataType type = TYPES.get(descr);
        if (type == null) {
            throw new FileFormatException(file, prefix(what) + "dtype '" + descr + "' is not supported; expected "
                    + "one of " + new java.util.TreeSet<>(TYPES.keySet()) + " (little-endian)");
        }
        if (find(file, what, FORTRAN, dict, "fortran_order").equals("True")) {
            throw new FileFormatException(file, prefix(what) + "fortran_order True is not supported; save a C-ordered "
                    + "array (numpy.ascontiguousarray)");
        }
        long[] shape = shape(file, what, find(file, what, SHAPE, dict, "shape"));
        long data = UserFiles.arrayBytes(file, prefix(what) + "shape", shape, type.getNumOfBytes());
        if (data > available - prefix) {
            throw new FileFormatException(file, prefix(what) + "shape " + Arrays.toString(shape) + " of " + descr
                    + " needs " + data + " bytes of data, but only " + (available - prefix) + " can follow the "
                    + "header");
        }
        UserFiles.checkCeiling(file, prefix(what) + "shape " + Arrays.toString(shape), data, limits);
        return new Header(type, shape, prefix, data);
    }

    /** Reads the data of {@code header} from {@code in} (positioned after the header) into {@code manager}. */
    static NDArray data(Path file, String what, InputStream in, Header header, NDManager manager)
            throws IOException {
        ByteBuffer bytes = ByteBuffer.allocateDirect((int) header.dataBytes()).order(ByteOrder.LITTLE_ENDIAN);
        byte[] chunk = new byte[(int) Math.min(1 << 16, Math.max(1, header.dataBytes()))];
        while (bytes.hasRemaining()) {
            int read = in.read(chunk, 0, Math.min(chunk.length, bytes.remaining()));
            if (read < 0) {
                throw new FileFormatException(file, prefix(what) + "truncated: the data ends after " + bytes.position()
                        + " of " + header.dataBytes() + " bytes");
            }
            bytes.put(chunk, 0, read);
        }
        bytes.flip();
        return manager.create(bytes, new Shape(header.shape()), header.type());
    }

    private static String find(Path file, String what, Pattern pattern, String dict, String key) {
        Matcher m = pattern.matcher(dict);
        if (!m.find()) {
            throw new FileFormatException(file, prefix(what) + "the header has no valid '" + key + "': "
                    + excerpt(dict));
        }
        return m.group(1);
    }

    private static long[] shape(Path file, String what, String tuple) {
        String[] parts = tuple.split(",", -1);
        long[] dims = new long[parts.length];
        int n = 0;
        for (String part : parts) {
            String p = part.trim();
            if (p.endsWith("L")) {
                p = p.substring(0, p.length() - 1);
            }
            if (p.isEmpty()) {
                continue;
            }
            try {
                dims[n] = Long.parseLong(p);
            } catch (NumberFormatException e) {
                throw new FileFormatException(file, prefix(what) + "shape (" + excerpt(tuple) + ") has '" + excerpt(p)
                        + "', expected integers");
            }
            if (dims[n] < 0) {
                throw new FileFormatException(file, prefix(what) + "shape (" + tuple + ") has a negative dimension");
            }
            n++;
        }
        if (n > 64) {
            throw new FileFormatException(file, prefix(what) + "shape has " + n + " dimensions, at most 64 are read");
        }
        return Arrays.copyOf(dims, n);
    }

    /** "WHAT: " or nothing, for a standalone file. */
    private static String prefix(String what) {
        return what == null ? "" : what + ": ";
    }

    private static String excerpt(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "…";
    }
}
