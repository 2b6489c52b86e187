package org.diffusion4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.diffusion4j.DiffusionException;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.data.Idx;
import org.diffusion4j.data.ImageFolder;
import org.diffusion4j.denoise.GaussianMixture;
import org.diffusion4j.denoise.MixtureSpec;
import org.diffusion4j.generate.TorchScriptSidecar;
import org.diffusion4j.train.Presets;
import org.diffusion4j.train.TrainingConfig;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Fuzzing of every reader of user files: valid files built here, damaged by {@link ByteMutator} (bits flipped, random
 * byte runs, cuts, insertions, length/count/offset fields and header numbers set to extremes), and arbitrary bytes.
 * Each property asserts that only the project's own errors ({@link DiffusionException}) escape and that they name the
 * file, that what a read allocates stays within a bound proportional to the file size (heap measured by the JVM for
 * the reading thread, plus the engine arrays returned), and that valid files round-trip.
 *
 * <p>One {@code @TestFactory} per property, {@link Fuzz#TRIES} seeded cases each (200 by default); see {@link Fuzz}
 * for {@code -Dd4j.fuzz.tries=N}, {@code -Dd4j.fuzz.seed=S} and replaying one case.
 */
class ParserFuzzTest {
    /** Heap a read may allocate: this many times the file size … */
    static final long HEAP_PER_BYTE = 16;
    /** … plus this much (Jackson's buffers, exception stack traces, the engine's array objects). */
    static final long HEAP_CONSTANT = 4L << 20;
    /** An image may also allocate this much per pixel its header declares (a 16-bit RGBA raster is 8). */
    static final long HEAP_PER_PIXEL = 16;
    /** Limits with a small text ceiling, so that the ceiling checks are hit too. */
    static final ReadLimits LIMITS = new ReadLimits(ReadLimits.DEFAULT_DATA_BYTES, 1 << 20);
    /** Longest arbitrary byte string. */
    static final int ARBITRARY_MAX = 300;

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    /** The input names read once already in this JVM (see {@link #read}). */
    private static final java.util.Set<String> WARMED = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Where the cases' files go (overwritten by each case). */
    private final Path dir = directory();

    private static Path directory() {
        try {
            return Files.createDirectories(Path.of("target", "fuzz-files"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What a read did: the heap it allocated and the bytes of the engine arrays it returned. */
    record Read(long heapBytes, long arrayBytes) {}

    /**
     * Writes {@code bytes} to {@code name} (recorded as the case's input), reads it with {@code reader}, and checks
     * that only a {@link DiffusionException} naming the file escaped and that the heap stayed under the bound;
     * returns what was read.
     */
    private Read read(Fuzz.Case c, String name, byte[] bytes, Function<Path, List<NDArray>> reader)
            throws IOException {
        return read(c, name, bytes, 0, reader);
    }

    /** As above, allowing {@code extraHeap} bytes on top of the bound proportional to the file size. */
    private Read read(Fuzz.Case c, String name, byte[] bytes, long extraHeap, Function<Path, List<NDArray>> reader)
            throws IOException {
        c.input(name, bytes);
        Path file = dir.resolve(name);
        Files.write(file, bytes);
        if (WARMED.add(name)) {
            // The first read of each kind in a JVM loads classes (14 MB measured for the first gzipped IDX file):
            // read once unmeasured, so that replaying one case (-Dd4j.fuzz.case) measures what the file costs.
            try {
                reader.apply(file);
            } catch (DiffusionException e) {
                // checked below, on the measured read
            }
        }
        long before = THREADS.getCurrentThreadAllocatedBytes();
        long arrays = 0;
        try {
            for (NDArray a : reader.apply(file)) {
                arrays += a.getShape().size() * a.getDataType().getNumOfBytes();
            }
        } catch (DiffusionException e) {
            assertTrue(e.getMessage().contains(file.toString()), "the error names the file: " + e.getMessage());
        }
        long heap = THREADS.getCurrentThreadAllocatedBytes() - before;
        assertTrue(heap <= HEAP_PER_BYTE * bytes.length + HEAP_CONSTANT + extraHeap, "a " + bytes.length
                + "-byte " + name + " allocated " + heap + " bytes of heap (allowed: " + HEAP_PER_BYTE + " × "
                + bytes.length + " + " + HEAP_CONSTANT + " + " + extraHeap + ")");
        return new Read(heap, arrays);
    }

    /** A {@code rows} × {@code columns} array of normal values from {@code random}. */
    private static NDArray normal(NDManager m, SplittableRandom random, int rows, int columns, DataType type) {
        double[] values = new double[rows * columns];
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextGaussian();
        }
        return m.create(values, new Shape(rows, columns)).toType(type, false);
    }

    private static long arrayBytes(Map<String, NDArray> arrays) {
        return arrays.values().stream().mapToLong(a -> a.getShape().size() * a.getDataType().getNumOfBytes()).sum();
    }

    // ---- safetensors

    private byte[] validSafetensors(NDManager m, SplittableRandom random) throws IOException {
        Path file = dir.resolve("valid.safetensors");
        Map<String, NDArray> arrays = new LinkedHashMap<>();
        int count = 1 + random.nextInt(3);
        for (int i = 0; i < count; i++) {
            arrays.put("t" + i, normal(m, random, 1 + random.nextInt(4), 1 + random.nextInt(5), DataType.FLOAT32));
        }
        Safetensors.write(file, arrays);
        return Files.readAllBytes(file);
    }

    @TestFactory
    Stream<DynamicTest> safetensorsMutated() {
        return Fuzz.cases("safetensorsMutated", c -> {
            try (NDManager m = Backend.newManager()) {
                byte[] bytes = c.mutator.mutate(validSafetensors(m, c.random));
                Read r = read(c, "model.safetensors", bytes, f -> List.copyOf(Safetensors.read(f, m, LIMITS).values()));
                assertTrue(r.arrayBytes() <= bytes.length, r.arrayBytes() + " array bytes from a " + bytes.length
                        + "-byte file");
            }
        });
    }

    @TestFactory
    Stream<DynamicTest> safetensorsArbitraryBytes() {
        return Fuzz.cases("safetensorsArbitraryBytes", c -> {
            try (NDManager m = Backend.newManager()) {
                byte[] bytes = ByteMutator.arbitraryBytes(c.random, ARBITRARY_MAX);
                Read r = read(c, "any.safetensors", bytes, f -> List.copyOf(Safetensors.read(f, m, LIMITS).values()));
                assertTrue(r.arrayBytes() <= bytes.length);
            }
        });
    }

    /** The allocation a header announces is what a read then allocates, and never more than the file. */
    @TestFactory
    Stream<DynamicTest> safetensorsLayoutBoundsTheRead() {
        return Fuzz.cases("safetensorsLayoutBoundsTheRead", c -> {
            try (NDManager m = Backend.newManager()) {
                byte[] bytes = c.mutator.mutate(validSafetensors(m, c.random));
                c.input("layout.safetensors", bytes);
                Path file = dir.resolve("layout.safetensors");
                Files.write(file, bytes);
                Safetensors.Layout layout;
                try {
                    layout = Safetensors.layout(file, LIMITS);
                } catch (FileFormatException e) {
                    return;
                }
                assertTrue(layout.allocationBytes() <= bytes.length - 8);
                assertEquals(layout.allocationBytes() - layout.headerBytes(),
                        arrayBytes(Safetensors.read(file, m, LIMITS)));
            }
        });
    }

    @TestFactory
    Stream<DynamicTest> safetensorsRoundTrip() {
        return Fuzz.cases("safetensorsRoundTrip", c -> {
            try (NDManager m = Backend.newManager()) {
                int rows = 1 + c.random.nextInt(5);
                int columns = 1 + c.random.nextInt(7);
                NDArray a = normal(m, c.random, rows, columns, DataType.FLOAT32);
                NDArray b = normal(m, c.random, 1, columns, DataType.FLOAT64).reshape(columns);
                Path file = dir.resolve("round.safetensors");
                Safetensors.write(file, Map.of("a", a, "b.bias", b));
                c.input("round.safetensors", Files.readAllBytes(file));
                Map<String, NDArray> back = Safetensors.read(file, m);
                assertEquals(a.getShape(), back.get("a").getShape());
                assertArrayEquals(a.toFloatArray(), back.get("a").toFloatArray());
                assertEquals(DataType.FLOAT64, back.get("b.bias").getDataType());
                assertArrayEquals(b.toDoubleArray(), back.get("b.bias").toDoubleArray());
            }
        });
    }

    // ---- npy, npz and csv

    private byte[] validArrayFile(NDManager m, String ext, SplittableRandom random) throws IOException {
        Path file = dir.resolve("valid." + ext);
        DataType type = random.nextBoolean() ? DataType.FLOAT32 : DataType.FLOAT64;
        ArrayFiles.write(file, normal(m, random, 1 + random.nextInt(5), 1 + random.nextInt(3), type));
        return Files.readAllBytes(file);
    }

    @TestFactory
    Stream<DynamicTest> npyMutated() {
        return Fuzz.cases("npyMutated", c -> {
            try (NDManager m = Backend.newManager()) {
                checkNpy(c, m, c.mutator.mutate(validArrayFile(m, "npy", c.random)));
            }
        });
    }

    private void checkNpy(Fuzz.Case c, NDManager m, byte[] bytes) throws IOException {
        Read r = read(c, "x.npy", bytes, f -> List.of(ArrayFiles.read(f, m, LIMITS)));
        assertTrue(r.arrayBytes() <= bytes.length, r.arrayBytes() + " from " + bytes.length);
    }

    @TestFactory
    Stream<DynamicTest> npzMutated() {
        return Fuzz.cases("npzMutated", c -> {
            try (NDManager m = Backend.newManager()) {
                byte[] bytes = c.mutator.mutate(validArrayFile(m, "npz", c.random));
                Read r = read(c, "x.npz", bytes, f -> List.of(ArrayFiles.read(f, m, LIMITS)));
                assertTrue(r.arrayBytes() <= ArrayFiles.DEFLATE_RATIO * bytes.length + 1024,
                        r.arrayBytes() + " from " + bytes.length);
            }
        });
    }

    @TestFactory
    Stream<DynamicTest> csvMutated() {
        return Fuzz.cases("csvMutated", c -> {
            try (NDManager m = Backend.newManager()) {
                byte[] bytes = c.mutator.mutate(validArrayFile(m, "csv", c.random));
                Read r = read(c, "x.csv", bytes, f -> List.of(ArrayFiles.read(f, m, LIMITS)));
                assertTrue(r.arrayBytes() <= 8 * bytes.length, r.arrayBytes() + " from " + bytes.length);
            }
        });
    }

    @TestFactory
    Stream<DynamicTest> numpyArbitraryBytes() {
        return Fuzz.cases("numpyArbitraryBytes", c -> {
            try (NDManager m = Backend.newManager()) {
                String name = c.random.nextBoolean() ? "any.npz" : "any.npy";
                byte[] bytes = ByteMutator.arbitraryBytes(c.random, ARBITRARY_MAX);
                Read r = read(c, name, bytes, f -> List.of(ArrayFiles.read(f, m, LIMITS)));
                assertTrue(r.arrayBytes() <= bytes.length);
            }
        });
    }

    @TestFactory
    Stream<DynamicTest> arrayFilesRoundTrip() {
        return Fuzz.cases("arrayFilesRoundTrip", c -> {
            try (NDManager m = Backend.newManager()) {
                DataType type = c.random.nextBoolean() ? DataType.FLOAT64 : DataType.FLOAT32;
                NDArray x = normal(m, c.random, 1 + c.random.nextInt(6), 1 + c.random.nextInt(4), type);
                for (String ext : List.of("npy", "npz")) {
                    Path file = dir.resolve("round." + ext);
                    ArrayFiles.write(file, x);
                    c.input("round." + ext, Files.readAllBytes(file));
                    NDArray back = ArrayFiles.read(file, m);
                    assertEquals(x.getShape(), back.getShape());
                    assertEquals(type, back.getDataType());
                    assertArrayEquals(x.toType(DataType.FLOAT64, false).toDoubleArray(),
                            back.toType(DataType.FLOAT64, false).toDoubleArray());
                }
            }
        });
    }

    // ---- IDX, raw and gzipped

    private static byte[] validIdx(boolean images, SplittableRandom random, boolean gzip) throws IOException {
        int n = 1 + random.nextInt(4);
        ByteBuffer b = ByteBuffer.allocate(images ? 16 + n * 9 : 8 + n);
        if (images) {
            b.putInt(0x803).putInt(n).putInt(3).putInt(3);
        } else {
            b.putInt(0x801).putInt(n);
        }
        while (b.hasRemaining()) {
            b.put((byte) random.nextInt(256));
        }
        if (!gzip) {
            return b.array();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(b.array());
        }
        return out.toByteArray();
    }

    @TestFactory
    Stream<DynamicTest> idxMutated() {
        return Fuzz.cases("idxMutated", c -> {
            boolean images = c.random.nextBoolean();
            boolean gzip = c.random.nextBoolean();
            byte[] bytes = c.mutator.mutate(validIdx(images, c.random, gzip));
            checkIdx(c, (images ? "images-idx3-ubyte" : "labels-idx1-ubyte") + (gzip ? ".gz" : ""), bytes);
        });
    }

    private void checkIdx(Fuzz.Case c, String name, byte[] bytes) throws IOException {
        boolean images = name.startsWith("images");
        read(c, name, bytes, f -> {
            if (images) {
                Idx.images(f, LIMITS);
            } else {
                Idx.labels(f, LIMITS);
            }
            return List.of();
        });
    }

    @TestFactory
    Stream<DynamicTest> idxRoundTrip() {
        return Fuzz.cases("idxRoundTrip", c -> {
            byte[] bytes = validIdx(true, c.random, true);
            c.input("round-idx3-ubyte.gz", bytes);
            Path file = dir.resolve("round-idx3-ubyte.gz");
            Files.write(file, bytes);
            Idx.Images images = Idx.images(file);
            assertEquals(3, images.rows());
            assertEquals(images.count() * 9, images.pixels().length);
        });
    }

    // ---- image folders (PNG)

    @TestFactory
    Stream<DynamicTest> imageFolderMutated() {
        return Fuzz.cases("imageFolderMutated", c -> {
            BufferedImage image = new BufferedImage(1 + c.random.nextInt(12), 1 + c.random.nextInt(12),
                    BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < image.getHeight(); y++) {
                for (int x = 0; x < image.getWidth(); x++) {
                    image.setRGB(x, y, c.random.nextInt());
                }
            }
            ByteArrayOutputStream png = new ByteArrayOutputStream();
            ImageIO.write(image, "png", png);
            checkImage(c, c.mutator.mutate(png.toByteArray()));
        });
    }

    /**
     * An image may allocate {@link #HEAP_PER_PIXEL} bytes per pixel its header declares (up to the ceiling) on top
     * of the bound on the file size: PNG compression legitimately reaches ratios of a thousand and more, so the
     * declared size, which the reader checks against {@link ReadLimits#maxImagePixels()}, is what bounds decoding.
     */
    private void checkImage(Fuzz.Case c, byte[] bytes) throws IOException {
        Path folder = Files.createDirectories(dir.resolve("images").resolve("cats"));
        long pixels = Math.min(declaredPixels(bytes), LIMITS.maxImagePixels());
        read(c, "images/cats/0.png", bytes, HEAP_PER_PIXEL * pixels, f -> {
            ImageFolder.load(folder.getParent(), 1, 8, LIMITS);
            return List.of();
        });
    }

    /** Width × height as the image's header declares them to ImageIO, or 0 where no header can be read. */
    private static long declaredPixels(byte[] bytes) {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                return 0;
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                return Math.max(0, (long) reader.getWidth(0) * reader.getHeight(0));
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    // ---- regressions: inputs that failed a 3000-try run, kept in src/test/resources/.../fuzz-regressions

    /** Each stored input through the same check as the property that found it. */
    @TestFactory
    Stream<DynamicTest> regressions() throws IOException, java.net.URISyntaxException {
        Path stored = Path.of(ParserFuzzTest.class.getResource("fuzz-regressions").toURI());
        List<Path> files;
        try (Stream<Path> list = Files.list(stored)) {
            files = list.sorted().toList();
        }
        assertTrue(files.size() >= 32, "regression inputs: " + files.size());
        return files.stream().map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> {
            String name = file.getFileName().toString();
            byte[] bytes = Files.readAllBytes(file);
            Fuzz.Case c = new Fuzz.Case("regression", 0);
            if (name.startsWith("idxMutated-")) {
                checkIdx(c, name.substring(name.indexOf('-', name.indexOf("-case") + 1) + 1), bytes);
            } else if (name.startsWith("npyMutated-")) {
                try (NDManager m = Backend.newManager()) {
                    checkNpy(c, m, bytes);
                }
            } else if (name.startsWith("imageFolderMutated-")) {
                checkImage(c, bytes);
            } else {
                throw new AssertionError("no property for regression input " + name);
            }
        }));
    }

    // ---- JSON: mixture specs, sidecars, training configs

    private static final String MIXTURE = "{\"weights\": [0.5, 0.5], \"means\": [[0, 1], [2, 3]], "
            + "\"variances\": [[1, 1], [0.5, 0.5]]}";

    private static final String SIDECAR = "{\"sample_shape\": [2], \"prediction\": \"data\", \"process\": "
            + "\"edm\", \"noise_label\": \"sigma\"}";

    @TestFactory
    Stream<DynamicTest> jsonFilesMutated() {
        return Fuzz.cases("jsonFilesMutated", c -> {
            int which = c.random.nextInt(3);
            String valid = which == 0 ? MIXTURE : which == 1 ? SIDECAR : Presets.named("toy-2d").toJson();
            byte[] bytes = c.mutator.mutate(valid.getBytes(StandardCharsets.UTF_8));
            read(c, "spec.json", bytes, f -> {
                switch (which) {
                    case 0 -> MixtureSpec.read(f);
                    case 1 -> TorchScriptSidecar.read(f);
                    default -> TrainingConfig.read(f);
                }
                return List.of();
            });
        });
    }

    @TestFactory
    Stream<DynamicTest> jsonArbitraryBytes() {
        return Fuzz.cases("jsonArbitraryBytes", c -> read(c, "any.json",
                ByteMutator.arbitraryBytes(c.random, ARBITRARY_MAX), f -> {
                    MixtureSpec.read(f);
                    return List.of();
                }));
    }

    /** A tenth of the tries: each writes and parses a small JSON file, nothing else varies much. */
    @TestFactory
    Stream<DynamicTest> mixtureRoundTrip() {
        return Fuzz.cases("mixtureRoundTrip", Math.max(1, Fuzz.TRIES / 10), c -> {
            int components = 1 + c.random.nextInt(4);
            double[] weights = new double[components];
            double[][] means = new double[components][2];
            double[][] variances = new double[components][2];
            for (int k = 0; k < components; k++) {
                weights[k] = 1.0 / components;
                means[k] = new double[] {c.random.nextGaussian(), c.random.nextGaussian()};
                variances[k] = new double[] {0.1 + c.random.nextDouble(), 0.1 + c.random.nextDouble()};
            }
            Path file = dir.resolve("round-mixture.json");
            MixtureSpec.write(new GaussianMixture(weights, means, variances), file);
            c.input("round-mixture.json", Files.readAllBytes(file));
            assertEquals(components, MixtureSpec.read(file).components());
        });
    }
}
