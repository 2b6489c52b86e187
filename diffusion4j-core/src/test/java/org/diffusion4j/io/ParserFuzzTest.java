package org.diffusion4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.zip.GZIPOutputStream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.diffusion4j.DiffusionException;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.data.Idx;
import org.diffusion4j.denoise.MixtureSpec;
import org.diffusion4j.generate.TorchScriptSidecar;
import org.diffusion4j.train.TrainingConfig;

/**
 * Property-based fuzzing of every reader of user files (jqwik): valid files with random mutations (bytes changed,
 * 8-byte words overwritten with extreme lengths, cuts, insertions) and arbitrary bytes. Each property asserts that
 * only the project's own errors ({@link DiffusionException}) escape, that what a read allocates stays within a bound
 * proportional to the file size (heap measured by the JVM for the reading thread, plus the engine arrays returned),
 * and that valid files round-trip. The default build runs {@code jqwik.tries.default} = 200 tries per property
 * (src/test/resources/junit-platform.properties); longer runs: {@code -Djqwik.tries.default=20000}.
 */
class ParserFuzzTest {
    /** Heap a read may allocate: this many times the file size … */
    static final long HEAP_PER_BYTE = 16;
    /** … plus this much (Jackson's buffers, exception stack traces, the engine's array objects). */
    static final long HEAP_CONSTANT = 4L << 20;
    /** Limits with a small text ceiling, so that the ceiling checks are hit too. */
    static final ReadLimits LIMITS = new ReadLimits(ReadLimits.DEFAULT_DATA_BYTES, 1 << 20);

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    /** Where the tries' files go (overwritten by each try). */
    private final Path dir = directory();

    private static Path directory() {
        try {
            return Files.createDirectories(Path.of("target", "fuzz-files"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A change to a file's bytes. */
    record Mutation(int kind, double where, long value) {
        byte[] apply(byte[] bytes) {
            if (bytes.length == 0) {
                return new byte[] {(byte) value};
            }
            int at = (int) (where * bytes.length);
            switch (kind) {
                case 0: // one byte
                    bytes = bytes.clone();
                    bytes[at] = (byte) value;
                    return bytes;
                case 1: // an 8-byte word (lengths, counts, offsets) set to an extreme, little- or big-endian
                    bytes = bytes.clone();
                    ByteBuffer b = ByteBuffer.wrap(bytes);
                    if ((value & 1) == 0) {
                        b.order(java.nio.ByteOrder.LITTLE_ENDIAN);
                    }
                    long[] extremes = {0, -1, Integer.MAX_VALUE, (1L << 31) - 16, Long.MAX_VALUE, 1L << 40,
                        value >>> 1};
                    long v = extremes[(int) Math.floorMod(value >> 1, (long) extremes.length)];
                    for (int i = 0; i < 8 && at + i < bytes.length; i++) {
                        bytes[at + i] = (byte) (b.order() == java.nio.ByteOrder.LITTLE_ENDIAN ? v >>> (8 * i)
                                : v >>> (56 - 8 * i));
                    }
                    return bytes;
                case 2: // cut
                    return Arrays.copyOf(bytes, at);
                case 3: // insert
                    byte[] out = new byte[bytes.length + 1];
                    System.arraycopy(bytes, 0, out, 0, at);
                    out[at] = (byte) value;
                    System.arraycopy(bytes, at, out, at + 1, bytes.length - at);
                    return out;
                default: // a digit in text headers (shapes, offsets, counts) made longer
                    String s = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1);
                    int digit = -1;
                    for (int i = at; i < s.length(); i++) {
                        if (Character.isDigit(s.charAt(i))) {
                            digit = i;
                            break;
                        }
                    }
                    if (digit < 0) {
                        return bytes;
                    }
                    return (s.substring(0, digit) + Math.abs(value % 1_000_000_000_000L) + s.substring(digit))
                            .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
            }
        }
    }

    @Provide
    Arbitrary<List<Mutation>> mutations() {
        Arbitrary<Mutation> one = Combinators.combine(Arbitraries.integers().between(0, 4),
                Arbitraries.doubles().between(0, 1).ofScale(6).filter(d -> d < 1), Arbitraries.longs())
                .as(Mutation::new);
        return one.list().ofMinSize(1).ofMaxSize(4);
    }

    private static byte[] mutate(byte[] valid, List<Mutation> mutations) {
        byte[] bytes = valid;
        for (Mutation m : mutations) {
            bytes = m.apply(bytes);
        }
        return bytes;
    }

    /** What a read did: the heap it allocated and the bytes of the engine arrays it returned. */
    record Read(long heapBytes, long arrayBytes) {}

    /**
     * Writes {@code bytes} to {@code name}, reads it with {@code reader}, and checks that only a
     * {@link DiffusionException} escaped and that the heap stayed under the bound; returns what was read.
     */
    private Read read(String name, byte[] bytes, Function<Path, List<NDArray>> reader) throws IOException {
        Path file = dir.resolve(name);
        Files.write(file, bytes);
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
        assertTrue(heap <= HEAP_PER_BYTE * bytes.length + HEAP_CONSTANT, "a " + bytes.length + "-byte " + name
                + " allocated " + heap + " bytes of heap");
        return new Read(heap, arrays);
    }

    // ---- safetensors

    private byte[] validSafetensors(NDManager m, long seed) throws IOException {
        Path file = dir.resolve("valid.safetensors");
        Map<String, NDArray> arrays = new LinkedHashMap<>();
        java.util.Random random = new java.util.Random(seed);
        for (int i = 0; i < 1 + random.nextInt(3); i++) {
            arrays.put("t" + i, m.randomNormal(new Shape(1 + random.nextInt(4), 1 + random.nextInt(5))));
        }
        Safetensors.write(file, arrays);
        return Files.readAllBytes(file);
    }

    @Property
    void safetensorsMutated(@ForAll("mutations") List<Mutation> mutations, @ForAll long seed) throws IOException {
        try (NDManager m = Backend.newManager()) {
            byte[] bytes = mutate(validSafetensors(m, seed), mutations);
            Read r = read("model.safetensors", bytes, f -> List.copyOf(Safetensors.read(f, m, LIMITS).values()));
            assertTrue(r.arrayBytes() <= bytes.length, r.arrayBytes() + " array bytes from a " + bytes.length
                    + "-byte file");
        }
    }

    @Property
    void safetensorsArbitraryBytes(@ForAll @Size(max = 300) byte[] bytes) throws IOException {
        try (NDManager m = Backend.newManager()) {
            Read r = read("any.safetensors", bytes, f -> List.copyOf(Safetensors.read(f, m, LIMITS).values()));
            assertTrue(r.arrayBytes() <= bytes.length);
        }
    }

    /** The allocation a header announces is what a read then allocates, and never more than the file. */
    @Property
    void safetensorsLayoutBoundsTheRead(@ForAll("mutations") List<Mutation> mutations, @ForAll long seed)
            throws IOException {
        try (NDManager m = Backend.newManager()) {
            byte[] bytes = mutate(validSafetensors(m, seed), mutations);
            Path file = dir.resolve("layout.safetensors");
            Files.write(file, bytes);
            Safetensors.Layout layout;
            try {
                layout = Safetensors.layout(file, LIMITS);
            } catch (FileFormatException e) {
                return;
            }
            assertTrue(layout.allocationBytes() <= bytes.length - 8);
            long arrays = 0;
            for (NDArray a : Safetensors.read(file, m, LIMITS).values()) {
                arrays += a.getShape().size() * a.getDataType().getNumOfBytes();
            }
            assertEquals(layout.allocationBytes() - layout.headerBytes(), arrays);
        }
    }

    @Property
    void safetensorsRoundTrip(@ForAll @IntRange(min = 1, max = 5) int rows, @ForAll @IntRange(min = 1, max = 7)
            int columns, @ForAll long seed) throws IOException {
        try (NDManager m = Backend.newManager()) {
            m.getEngine().setRandomSeed((int) seed);
            NDArray a = m.randomNormal(new Shape(rows, columns));
            NDArray b = m.randomNormal(0, 1, new Shape(columns), DataType.FLOAT64);
            Path file = dir.resolve("round.safetensors");
            Safetensors.write(file, Map.of("a", a, "b.bias", b));
            Map<String, NDArray> back = Safetensors.read(file, m);
            assertEquals(a.getShape(), back.get("a").getShape());
            assertArrayEquals(a.toFloatArray(), back.get("a").toFloatArray());
            assertEquals(DataType.FLOAT64, back.get("b.bias").getDataType());
            assertArrayEquals(b.toDoubleArray(), back.get("b.bias").toDoubleArray());
        }
    }

    // ---- npy and npz

    private byte[] validArrayFile(NDManager m, String ext, long seed) throws IOException {
        java.util.Random random = new java.util.Random(seed);
        Path file = dir.resolve("valid." + ext);
        DataType type = random.nextBoolean() ? DataType.FLOAT32 : DataType.FLOAT64;
        ArrayFiles.write(file, m.randomNormal(0, 1, new Shape(1 + random.nextInt(5), 1 + random.nextInt(3)), type));
        return Files.readAllBytes(file);
    }

    @Property
    void npyMutated(@ForAll("mutations") List<Mutation> mutations, @ForAll long seed) throws IOException {
        try (NDManager m = Backend.newManager()) {
            byte[] bytes = mutate(validArrayFile(m, "npy", seed), mutations);
            Read r = read("x.npy", bytes, f -> List.of(ArrayFiles.read(f, m, LIMITS)));
            assertTrue(r.arrayBytes() <= bytes.length);
        }
    }

    @Property
    void npzMutated(@ForAll("mutations") List<Mutation> mutations, @ForAll long seed) throws IOException {
        try (NDManager m = Backend.newManager()) {
            byte[] bytes = mutate(validArrayFile(m, "npz", seed), mutations);
            Read r = read("x.npz", bytes, f -> List.of(ArrayFiles.read(f, m, LIMITS)));
            assertTrue(r.arrayBytes() <= ArrayFiles.DEFLATE_RATIO * bytes.length + 1024);
        }
    }

    @Property
    void csvMutated(@ForAll("mutations") List<Mutation> mutations, @ForAll long seed) throws IOException {
        try (NDManager m = Backend.newManager()) {
            byte[] bytes = mutate(validArrayFile(m, "csv", seed), mutations);
            Read r = read("x.csv", bytes, f -> List.of(ArrayFiles.read(f, m, LIMITS)));
            assertTrue(r.arrayBytes() <= 8 * bytes.length, r.arrayBytes() + " from " + bytes.length);
        }
    }

    @Property
    void numpyArbitraryBytes(@ForAll @Size(max = 300) byte[] bytes, @ForAll boolean zip) throws IOException {
        try (NDManager m = Backend.newManager()) {
            Read r = read(zip ? "any.npz" : "any.npy", bytes, f -> List.of(ArrayFiles.read(f, m, LIMITS)));
            assertTrue(r.arrayBytes() <= bytes.length);
        }
    }

    @Property
    void arrayFilesRoundTrip(@ForAll @IntRange(min = 1, max = 6) int rows, @ForAll @IntRange(min = 1, max = 4)
            int columns, @ForAll boolean float64, @ForAll long seed) throws IOException {
        try (NDManager m = Backend.newManager()) {
            m.getEngine().setRandomSeed((int) seed);
            DataType type = float64 ? DataType.FLOAT64 : DataType.FLOAT32;
            NDArray x = m.randomNormal(0, 1, new Shape(rows, columns), type);
            for (String ext : List.of("npy", "npz")) {
                Path file = dir.resolve("round." + ext);
                ArrayFiles.write(file, x);
                NDArray back = ArrayFiles.read(file, m);
                assertEquals(x.getShape(), back.getShape());
                assertEquals(type, back.getDataType());
                assertArrayEquals(x.toType(DataType.FLOAT64, false).toDoubleArray(),
                        back.toType(DataType.FLOAT64, false).toDoubleArray());
            }
        }
    }

    // ---- IDX, raw and gzipped

    private static byte[] validIdx(boolean images, long seed, boolean gzip) throws IOException {
        java.util.Random random = new java.util.Random(seed);
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

    @Property
    void idxMutated(@ForAll("mutations") List<Mutation> mutations, @ForAll long seed, @ForAll boolean images,
            @ForAll boolean gzip) throws IOException {
        byte[] bytes = mutate(validIdx(images, seed, gzip), mutations);
        Read r = read(images ? "images-idx3-ubyte" : "labels-idx1-ubyte", bytes, f -> {
            if (images) {
                Idx.images(f, LIMITS);
            } else {
                Idx.labels(f, LIMITS);
            }
            return List.of();
        });
        assertTrue(r.heapBytes() <= HEAP_PER_BYTE * bytes.length + HEAP_CONSTANT);
    }

    @Property
    void idxRoundTrip(@ForAll long seed) throws IOException {
        byte[] bytes = validIdx(true, seed, true);
        Path file = dir.resolve("round-idx3-ubyte.gz");
        Files.write(file, bytes);
        Idx.Images images = Idx.images(file);
        assertEquals(3, images.rows());
        assertEquals(images.count() * 9, images.pixels().length);
    }

    // ---- image folders (PNG)

    @Property
    void imageFolderMutated(@ForAll("mutations") List<Mutation> mutations, @ForAll long seed) throws IOException {
        java.util.Random random = new java.util.Random(seed);
        java.awt.image.BufferedImage image = new java.awt.image.BufferedImage(1 + random.nextInt(12),
                1 + random.nextInt(12), java.awt.image.BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                image.setRGB(x, y, random.nextInt());
            }
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        javax.imageio.ImageIO.write(image, "png", png);
        byte[] bytes = mutate(png.toByteArray(), mutations);
        Path folder = Files.createDirectories(dir.resolve("images").resolve("cats"));
        read("images/cats/0.png", bytes, f -> {
            org.diffusion4j.data.ImageFolder.load(folder.getParent(), 1, 8);
            return List.of();
        });
    }

    // ---- JSON: mixture specs, sidecars, training configs

    private static final String MIXTURE = "{\"weights\": [0.5, 0.5], \"means\": [[0, 1], [2, 3]], "
            + "\"variances\": [[1, 1], [0.5, 0.5]]}";

    private static final String SIDECAR = "{\"sample_shape\": [2], \"prediction\": \"data\", \"process\": "
            + "\"edm\", \"noise_label\": \"sigma\"}";

    @Property
    void jsonFilesMutated(@ForAll("mutations") List<Mutation> mutations, @ForAll @IntRange(min = 0, max = 2)
            int which) throws IOException {
        String valid = which == 0 ? MIXTURE : which == 1 ? SIDECAR
                : org.diffusion4j.train.Presets.named("toy-2d").toJson();
        byte[] bytes = mutate(valid.getBytes(java.nio.charset.StandardCharsets.UTF_8), mutations);
        read("spec.json", bytes, f -> {
            switch (which) {
                case 0 -> MixtureSpec.read(f);
                case 1 -> TorchScriptSidecar.read(f);
                default -> TrainingConfig.read(f);
            }
            return List.of();
        });
    }

    @Property
    void jsonArbitraryBytes(@ForAll @Size(max = 300) byte[] bytes) throws IOException {
        read("any.json", bytes, f -> {
            MixtureSpec.read(f);
            return List.of();
        });
    }

    @Property(tries = 20)
    void mixtureRoundTrip(@ForAll @IntRange(min = 1, max = 4) int components, @ForAll long seed)
            throws IOException {
        java.util.Random random = new java.util.Random(seed);
        double[] weights = new double[components];
        double[][] means = new double[components][2];
        double[][] variances = new double[components][2];
        for (int k = 0; k < components; k++) {
            weights[k] = 1.0 / components;
            means[k] = new double[] {random.nextGaussian(), random.nextGaussian()};
            variances[k] = new double[] {0.1 + random.nextDouble(), 0.1 + random.nextDouble()};
        }
        Path file = dir.resolve("round-mixture.json");
        MixtureSpec.write(new org.diffusion4j.denoise.GaussianMixture(weights, means, variances), file);
        org.diffusion4j.denoise.GaussianMixture back = MixtureSpec.read(file);
        assertEquals(components, back.components());
    }
}
