package org.diffusion4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.diffusion4j.DiffusionException;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.data.Idx;
import org.diffusion4j.denoise.MixtureSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files that declare more than they hold (issue 23): each ends in the project's own error naming the file and the
 * field, before anything of the declared size is allocated.
 */
class HostileFilesTest {

    private static Path validSafetensors(Path dir, NDManager m) {
        Path file = dir.resolve("model.safetensors");
        Safetensors.write(file, Map.of("w", m.arange(6f).reshape(2, 3), "b", m.ones(new Shape(3))));
        return file;
    }

    /** The reproduction: a valid file whose 8-byte header length says 2^31 − 16. */
    @Test
    void safetensorsHeaderLengthBeyondTheFile(@TempDir Path dir) throws IOException {
        try (NDManager m = Backend.newManager()) {
            Path file = validSafetensors(dir, m);
            byte[] bytes = Files.readAllBytes(file);
            ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, (1L << 31) - 16);
            Files.write(file, bytes);
            FileFormatException e = assertThrows(FileFormatException.class, () -> Safetensors.read(file, m));
            assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
            assertTrue(e.getMessage().contains("header length 2147483632 does not fit: the file has "
                    + (bytes.length - 8) + " bytes"), e.getMessage());
        }
    }

    @Test
    void safetensorsShapeLargerThanItsBytes(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("model.safetensors");
        Files.write(file, safetensors("{\"w\":{\"dtype\":\"F32\",\"shape\":[2000000000,3],"
                + "\"data_offsets\":[0,24]}}", new byte[24]));
        try (NDManager m = Backend.newManager()) {
            FileFormatException e = assertThrows(FileFormatException.class, () -> Safetensors.read(file, m));
            assertTrue(e.getMessage().contains("tensor 'w': shape [2000000000, 3] of F32 needs 24000000000 bytes, "
                    + "data_offsets give 24"), e.getMessage());
        }
    }

    /** Two tensors over the same bytes would let a small file allocate many times its size. */
    @Test
    void safetensorsOverlappingTensors(@TempDir Path dir) throws IOException {
        String header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}";
        Path file = dir.resolve("overlap.safetensors");
        Files.write(file, safetensors(header, new byte[16]));
        try (NDManager m = Backend.newManager()) {
            FileFormatException e = assertThrows(FileFormatException.class, () -> Safetensors.read(file, m));
            assertTrue(e.getMessage().contains("tensors 'a' and 'b' overlap"), e.getMessage());
        }
    }

    static byte[] safetensors(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        return b.putLong(h.length).put(h).put(data).array();
    }

    static byte[] npy(String dict, int dataBytes) {
        byte[] h = dict.getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate(10 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) h.length).put(h);
        return b.array();
    }

    /** The reproduction: a 200-byte .npy claiming shape (260000000, 2) of float32. */
    @Test
    void npyShapeBeyondTheFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("init.npy");
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (260000000, 2), }";
        byte[] bytes = npy(dict + " ".repeat(200 - 10 - 70 - dict.length() - 1) + "\n", 70);
        assertEquals(200, bytes.length);
        Files.write(file, bytes);
        try (NDManager m = Backend.newManager()) {
            FileFormatException e = assertThrows(FileFormatException.class, () -> ArrayFiles.read(file, m));
            assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
            assertTrue(e.getMessage().contains("shape [260000000, 2] of <f4 needs 2080000000 bytes of data, but only "
                    + "70 can follow the header"), e.getMessage());
        }
    }

    /** A deflated .npz entry may expand (1032:1 at most), but not past what its compressed bytes can hold. */
    @Test
    void npzEntryBeyondWhatDeflateCanExpand(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("x.npz");
        ByteArrayOutputStream zip = new ByteArrayOutputStream();
        try (ZipOutputStream out = new ZipOutputStream(zip)) {
            out.putNextEntry(new ZipEntry("samples.npy"));
            out.write(npy("{'descr': '<f8', 'fortran_order': False, 'shape': (100000000, 2), }\n", 64));
            out.closeEntry();
        }
        Files.write(file, zip.toByteArray());
        try (NDManager m = Backend.newManager()) {
            FileFormatException e = assertThrows(FileFormatException.class, () -> ArrayFiles.read(file, m));
            assertTrue(e.getMessage().contains("entry 'samples.npy': shape [100000000, 2] of <f8 needs 1600000000 "
                    + "bytes of data"), e.getMessage());
        }
    }

    @Test
    void npyTruncatedOrPadded(@TempDir Path dir) throws IOException {
        try (NDManager m = Backend.newManager()) {
            Path file = dir.resolve("x.npy");
            ArrayFiles.write(file, m.arange(6f).reshape(3, 2));
            byte[] bytes = Files.readAllBytes(file);
            Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - 4));
            FileFormatException e = assertThrows(FileFormatException.class, () -> ArrayFiles.read(file, m));
            assertTrue(e.getMessage().contains("needs 24 bytes of data, but only 20 can follow"), e.getMessage());
            Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length + 8));
            e = assertThrows(FileFormatException.class, () -> ArrayFiles.read(file, m));
            assertTrue(e.getMessage().contains("declares 24 bytes of data but 32 follow it"), e.getMessage());
        }
    }

    /** The reproduction: a binary mixture spec gave MalformedInputException naming no file. */
    @Test
    void binaryMixtureSpecNamesTheFileAndTheByte(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("mixture.json");
        Files.write(file, new byte[] {'{', '"', 'w', (byte) 0xff, '"', ':', '1', '}'});
        DiffusionException e = assertThrows(DiffusionException.class, () -> MixtureSpec.read(file));
        assertEquals(file + ": the file is not UTF-8 text (invalid byte 0xff at byte 3)", e.getMessage());
    }

    @Test
    void idxCountBeyondTheFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("train-images-idx3-ubyte");
        ByteBuffer b = ByteBuffer.allocate(16 + 784);
        b.putInt(0x803).putInt(2_000_000).putInt(28).putInt(28);
        Files.write(file, b.array());
        FileFormatException e = assertThrows(FileFormatException.class, () -> Idx.images(file));
        assertTrue(e.getMessage().contains("truncated: the header promises 2000000 images of 28 × 28 (1568000000 "
                + "bytes) but the file has 784 after the header"), e.getMessage());
    }

    @Test
    void gzippedIdxCountBeyondWhatDeflateCanExpand(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("train-labels-idx1-ubyte.gz");
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (var out = new java.util.zip.GZIPOutputStream(gz)) {
            out.write(ByteBuffer.allocate(18).putInt(0x801).putInt(Integer.MAX_VALUE).array());
        }
        Files.write(file, gz.toByteArray());
        FileFormatException e = assertThrows(FileFormatException.class, () -> Idx.labels(file));
        assertTrue(e.getMessage().contains("2147483647 labels need 2147483647 bytes, more than the "
                + gz.size() + "-byte gzip file can expand to"), e.getMessage());
    }

    /** A valid file written by the project reads back exactly through the bounded readers. */
    @Test
    void validFilesStillRoundTrip(@TempDir Path dir) {
        try (NDManager m = Backend.newManager()) {
            Path file = validSafetensors(dir, m);
            Map<String, NDArray> back = Safetensors.read(file, m);
            assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5}, back.get("w").toFloatArray());
            assertEquals(new Shape(2, 3), back.get("w").getShape());
            assertArrayEquals(new float[] {1, 1, 1}, back.get("b").toFloatArray());
        }
    }

    /** A 70-byte PNG whose header declares 100000 × 100000 pixels (40 GB decoded) in an image-folder dataset. */
    @Test
    void imageFolderPngDeclaringGigapixels(@TempDir Path dir) throws IOException {
        Path png = Files.createDirectories(dir.resolve("cats")).resolve("huge.png");
        ByteBuffer ihdr = ByteBuffer.allocate(17).put("IHDR".getBytes(StandardCharsets.US_ASCII)).putInt(100_000)
                .putInt(100_000).put(new byte[] {8, 2, 0, 0, 0});
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(ihdr.array());
        ByteBuffer file = ByteBuffer.allocate(8 + 4 + 17 + 4 + 12);
        file.put(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}).putInt(13).put(ihdr.array())
                .putInt((int) crc.getValue()).putInt(0).put("IEND".getBytes(StandardCharsets.US_ASCII)).putInt(0xae426082);
        Files.write(png, file.array());
        FileFormatException e = assertThrows(FileFormatException.class,
                () -> org.diffusion4j.data.ImageFolder.load(dir, 1, 8));
        assertTrue(e.getMessage().startsWith(png + ": "), e.getMessage());
        assertTrue(e.getMessage().contains("100000 × 100000 pixels"), e.getMessage());
    }
}
