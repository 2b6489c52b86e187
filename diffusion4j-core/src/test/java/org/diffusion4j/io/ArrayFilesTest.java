package org.diffusion4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.diffusion4j.backend.Backend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArrayFilesTest {

    @Test
    void roundTripsEveryFormat(@TempDir Path dir) {
        try (NDManager m = Backend.newManager()) {
            for (DataType type : new DataType[] {DataType.FLOAT32, DataType.FLOAT64}) {
                NDArray x = m.randomNormal(0, 1, new Shape(5, 2, 3), type);
                for (String ext : new String[] {"npy", "npz"}) {
                    Path file = dir.resolve("x-" + type + "." + ext);
                    ArrayFiles.write(file, x);
                    NDArray back = ArrayFiles.read(file, m);
                    assertEquals(x.getShape(), back.getShape());
                    assertEquals(type, back.getDataType());
                    assertArrayEquals(x.toType(DataType.FLOAT64, true).toDoubleArray(),
                            back.toType(DataType.FLOAT64, true).toDoubleArray(), 0);
                }
                Path csv = dir.resolve("x-" + type + ".csv");
                ArrayFiles.write(csv, x);
                NDArray back = ArrayFiles.read(csv, m);
                assertEquals(new Shape(5, 6), back.getShape());
                assertArrayEquals(x.toType(DataType.FLOAT64, true).toDoubleArray(), back.toDoubleArray(), 0);
            }
        }
    }

    /** A file written by NumPy (np.save of a float64 (3, 2) array, see the fixture's generator). */
    @Test
    void readsNumpyFiles(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("numpy.npy");
        try (InputStream in = ArrayFilesTest.class.getResourceAsStream("numpy-float64-3x2.npy")) {
            Files.copy(in, file);
        }
        try (NDManager m = Backend.newManager()) {
            NDArray x = ArrayFiles.read(file, m);
            assertEquals(new Shape(3, 2), x.getShape());
            assertArrayEquals(new double[] {0, 0.5, 1, 1.5, 2, 2.5}, x.toDoubleArray(), 0);
        }
    }

    @Test
    void badFilesNameTheFileAndTheProblem(@TempDir Path dir) throws IOException {
        try (NDManager m = Backend.newManager()) {
            Path garbage = dir.resolve("garbage.npy");
            Files.writeString(garbage, "this is not numpy");
            FileFormatException e = assertThrows(FileFormatException.class, () -> ArrayFiles.read(garbage, m));
            assertTrue(e.getMessage().startsWith(garbage.toString()) && e.getMessage().contains("NumPy"),
                    e.getMessage());
            Path truncated = dir.resolve("truncated.npy");
            ArrayFiles.write(truncated, m.ones(new Shape(100)));
            byte[] bytes = Files.readAllBytes(truncated);
            Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length / 2));
            assertThrows(FileFormatException.class, () -> ArrayFiles.read(truncated, m));
            Path ragged = dir.resolve("ragged.csv");
            Files.writeString(ragged, "1,2\n3\n");
            assertTrue(assertThrows(FileFormatException.class, () -> ArrayFiles.read(ragged, m)).getMessage()
                    .contains("line 2 has 1 values, expected 2"));
            Path words = dir.resolve("words.csv");
            Files.writeString(words, "1,x\n");
            assertTrue(assertThrows(FileFormatException.class, () -> ArrayFiles.read(words, m)).getMessage()
                    .contains("'x' is not a number"));
            assertTrue(assertThrows(FileFormatException.class, () -> ArrayFiles.read(dir.resolve("none.npy"), m))
                    .getMessage().contains("no such file"));
            assertTrue(assertThrows(FileFormatException.class, () -> ArrayFiles.write(dir.resolve("x.txt"),
                    m.ones(new Shape(1)))).getMessage().contains("expected .npy, .npz or .csv"));
        }
    }

    /** Written batch by batch, an array reads back as the same array written at once. */
    @Test
    void writesInBatches(@TempDir Path dir) {
        try (NDManager m = Backend.newManager()) {
            NDArray x = m.randomNormal(0, 1, new Shape(7, 2, 3), DataType.FLOAT32);
            for (String ext : new String[] {"npy", "npz", "csv"}) {
                Path file = dir.resolve("batched." + ext);
                ArrayFiles.writeInBatches(file, 7, new Shape(2, 3), DataType.FLOAT32, sink -> {
                    sink.append(x.get("0:3"));
                    sink.append(x.get("3:6"));
                    sink.append(x.get("6:7"));
                });
                Path whole = dir.resolve("whole." + ext);
                ArrayFiles.write(whole, x);
                NDArray a = ArrayFiles.read(file, m);
                NDArray b = ArrayFiles.read(whole, m);
                assertEquals(b.getShape(), a.getShape(), ext);
                assertArrayEquals(b.toType(DataType.FLOAT64, false).toDoubleArray(),
                        a.toType(DataType.FLOAT64, false).toDoubleArray(), 0, ext);
            }
            Path short_ = dir.resolve("short.npy");
            assertThrows(IllegalStateException.class, () -> ArrayFiles.writeInBatches(short_, 7, new Shape(2, 3),
                    DataType.FLOAT32, sink -> sink.append(x.get("0:3"))));
            assertTrue(!Files.exists(short_), "an incomplete array is never left under its name");
        }
    }
}
