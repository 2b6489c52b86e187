package org.diffusion4j.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.diffusion4j.io.FileAccessException;
import org.diffusion4j.io.FileFormatException;
import org.diffusion4j.io.ReadLimits;
import org.diffusion4j.io.UserFiles;

/**
 * Reads the IDX format of MNIST and Fashion-MNIST (LeCun et al.), gzipped or raw: a big-endian header (magic
 * 0x0803 and n, rows, columns for images; 0x0801 and n for labels) followed by unsigned bytes. The declared size is
 * computed in long arithmetic with overflow checks and checked before anything is allocated: against the bytes after
 * the header of a raw file, against the most a gzip file of this size can expand to (1032:1), and against the
 * {@link ReadLimits}. Gzipped data is then read into a buffer that grows with what the stream really delivers.
 */
public final class Idx {
    /** The most a deflate stream expands (zlib's technical report), as in {@code ArrayFiles}. */
    private static final long DEFLATE_RATIO = 1032;

    private Idx() {}

    /** Images as n·rows·cols unsigned bytes, with their dimensions. */
    public record Images(byte[] pixels, int count, int rows, int columns) {}

    /** An opened IDX file: its (decompressed) stream, its size on disk, and whether it is gzipped. */
    private record Source(DataInputStream in, long size, boolean gzipped) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            in.close();
        }

        /** Fails unless {@code bytes} after a {@code header}-byte header can be in this file. */
        void require(Path file, long bytes, int header, String what, ReadLimits limits) {
            if (gzipped && bytes > size * DEFLATE_RATIO + 1024) {
                throw new FileFormatException(file, what + " need " + bytes + " bytes, more than the " + size
                        + "-byte gzip file can expand to");
            }
            if (!gzipped && bytes > size - header) {
                throw new FileFormatException(file, "truncated: the header promises " + what + " (" + bytes
                        + " bytes) but the file has " + (size - header) + " after the header");
            }
            if (bytes > limits.maxDataBytes()) {
                throw new FileFormatException(file, what + " need " + bytes + " bytes; at most "
                        + limits.maxDataBytes() + " are read (system property " + ReadLimits.MAX_DATA_BYTES + ")");
            }
        }

        /**
         * Reads the {@code bytes} of data a checked header declared. A raw file was checked against its real size,
         * so the array is allocated at once; a gzip stream is read in pieces into a buffer that grows only as data
         * arrives (at most doubling), so a header that lies costs what the stream really delivers, not what it
         * declares.
         */
        byte[] readData(Path file, int bytes, String what) throws IOException {
            if (!gzipped) {
                byte[] data = new byte[bytes];
                readFully(in, data, file, what);
                return data;
            }
            byte[] data = new byte[Math.min(bytes, GZIP_FIRST_BUFFER)];
            int have = 0;
            while (have < bytes) {
                if (have == data.length) {
                    data = Arrays.copyOf(data, (int) Math.min(bytes, 2L * data.length));
                }
                int read = in.read(data, have, data.length - have);
                if (read < 0) {
                    throw new FileFormatException(file, "truncated: the header promises " + what + " (" + bytes
                            + " bytes) but the decompressed data ends after " + have);
                }
                have += read;
            }
            return data;
        }
    }

    /** The first buffer for gzipped data; it grows as the decompressed stream delivers more. */
    private static final int GZIP_FIRST_BUFFER = 1 << 16;

    /** count × rows × columns in long arithmetic, failing (not wrapping) when it overflows or exceeds an array. */
    private static long imageBytes(Path file, String what, int count, int rows, int columns) {
        try {
            long bytes = Math.multiplyExact(Math.multiplyExact((long) count, (long) rows), (long) columns);
            if (bytes <= Integer.MAX_VALUE) {
                return bytes;
            }
        } catch (ArithmeticException e) {
            // falls through to the error below
        }
        throw new FileFormatException(file, "implausible IDX dimensions: " + what + " (count × rows × columns) "
                + "need more than " + Integer.MAX_VALUE + " bytes, the most one array can hold");
    }

    /** Reads an image file. */
    public static Images images(Path file) {
        return images(file, ReadLimits.defaults());
    }

    /** Reads an image file under {@code limits}. */
    public static Images images(Path file, ReadLimits limits) {
        try (Source source = open(file)) {
            DataInputStream in = source.in();
            int magic = in.readInt();
            if (magic != 0x00000803) {
                throw new FileFormatException(file, String.format("not an IDX image file (magic 0x%08x, expected "
                        + "0x00000803)", magic));
            }
            int count = in.readInt();
            int rows = in.readInt();
            int columns = in.readInt();
            if (count < 0 || rows <= 0 || columns <= 0) {
                throw new FileFormatException(file, "implausible IDX dimensions " + count + " × " + rows + " × "
                        + columns + " (count, rows, columns); expected count ≥ 0 and rows, columns ≥ 1");
            }
            String what = count + " images of " + rows + " × " + columns;
            long bytes = imageBytes(file, what, count, rows, columns);
            source.require(file, bytes, 16, what, limits);
            byte[] pixels = source.readData(file, (int) bytes, what);
            return new Images(pixels, count, rows, columns);
        } catch (IOException e) {
            throw failure(file, e);
        }
    }

    /** Reads a label file. */
    public static int[] labels(Path file) {
        return labels(file, ReadLimits.defaults());
    }

    /** Reads a label file under {@code limits}. */
    public static int[] labels(Path file, ReadLimits limits) {
        try (Source source = open(file)) {
            DataInputStream in = source.in();
            int magic = in.readInt();
            if (magic != 0x00000801) {
                throw new FileFormatException(file, String.format("not an IDX label file (magic 0x%08x, expected "
                        + "0x00000801)", magic));
            }
            int count = in.readInt();
            if (count < 0) {
                throw new FileFormatException(file, "negative label count " + count);
            }
            source.require(file, count, 8, count + " labels", limits);
            byte[] raw = source.readData(file, count, count + " labels");
            int[] labels = new int[count];
            for (int i = 0; i < count; i++) {
                labels[i] = raw[i] & 0xff;
            }
            return labels;
        } catch (IOException e) {
            throw failure(file, e);
        }
    }

    private static Source open(Path file) throws IOException {
        long size = UserFiles.size(file);
        InputStream raw = new BufferedInputStream(Files.newInputStream(file));
        try {
            raw.mark(2);
            int b1 = raw.read();
            int b2 = raw.read();
            raw.reset();
            boolean gzipped = b1 == 0x1f && b2 == 0x8b;
            InputStream in = gzipped ? new GZIPInputStream(raw, 1 << 16) : raw;
            return new Source(new DataInputStream(in), size, gzipped);
        } catch (IOException | RuntimeException e) {
            raw.close();
            throw e;
        }
    }

    private static void readFully(DataInputStream in, byte[] target, Path file, String what) throws IOException {
        try {
            in.readFully(target);
        } catch (EOFException e) {
            throw new FileFormatException(file, "truncated: the header promises " + what, e);
        }
    }

    private static RuntimeException failure(Path file, IOException e) {
        if (e instanceof EOFException || e instanceof ZipException) {
            return new FileFormatException(file, "truncated or corrupt (" + e.getMessage() + ")", e);
        }
        return FileAccessException.reading(file, e);
    }
}
