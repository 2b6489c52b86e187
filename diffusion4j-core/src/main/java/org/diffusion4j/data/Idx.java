package org.diffusion4j.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.diffusion4j.io.FileFormatException;

/**
 * Reads the IDX format of MNIST and Fashion-MNIST (LeCun et al.), gzipped or raw: a big-endian header (magic
 * 0x0803 and n, rows, columns for images; 0x0801 and n for labels) followed by unsigned bytes.
 */
public final class Idx {
    private Idx() {}

    /** Images as n·rows·cols unsigned bytes, with their dimensions. */
    public record Images(byte[] pixels, int count, int rows, int columns) {}

    /** Reads an image file. */
    public static Images images(Path file) {
        try (DataInputStream in = open(file)) {
            int magic = in.readInt();
            if (magic != 0x00000803) {
                throw new FileFormatException(file, String.format("not an IDX image file (magic 0x%08x, expected "
                        + "0x00000803)", magic));
            }
            int count = in.readInt();
            int rows = in.readInt();
            int columns = in.readInt();
            if (count < 0 || rows <= 0 || columns <= 0 || (long) count * rows * columns > Integer.MAX_VALUE) {
                throw new FileFormatException(file, "implausible IDX dimensions " + count + " × " + rows + " × "
                        + columns);
            }
            byte[] pixels = new byte[count * rows * columns];
            readFully(in, pixels, file, count + " images of " + rows + " × " + columns);
            return new Images(pixels, count, rows, columns);
        } catch (IOException e) {
            throw failure(file, e);
        }
    }

    /** Reads a label file. */
    public static int[] labels(Path file) {
        try (DataInputStream in = open(file)) {
            int magic = in.readInt();
            if (magic != 0x00000801) {
                throw new FileFormatException(file, String.format("not an IDX label file (magic 0x%08x, expected "
                        + "0x00000801)", magic));
            }
            int count = in.readInt();
            if (count < 0) {
                throw new FileFormatException(file, "negative label count " + count);
            }
            byte[] raw = new byte[count];
            readFully(in, raw, file, count + " labels");
            int[] labels = new int[count];
            for (int i = 0; i < count; i++) {
                labels[i] = raw[i] & 0xff;
            }
            return labels;
        } catch (IOException e) {
            throw failure(file, e);
        }
    }

    private static DataInputStream open(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new FileFormatException(file, "no such file");
        }
        InputStream raw = new BufferedInputStream(Files.newInputStream(file));
        raw.mark(2);
        int b1 = raw.read();
        int b2 = raw.read();
        raw.reset();
        InputStream in = b1 == 0x1f && b2 == 0x8b ? new GZIPInputStream(raw, 1 << 16) : raw;
        return new DataInputStream(in);
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
        return new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
}
