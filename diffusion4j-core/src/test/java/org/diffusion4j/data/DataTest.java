package org.diffusion4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.GZIPOutputStream;
import javax.imageio.ImageIO;
import org.diffusion4j.DiffusionException;
import org.diffusion4j.io.FileFormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataTest {

    private static Path subset() throws URISyntaxException {
        return Path.of(DataTest.class.getResource("mnist-1k").toURI());
    }

    @Test
    void readsTheBundledMnistSubset() throws Exception {
        IdxDatasets.Loaded loaded = new IdxDatasets(subset(), false).load(IdxDatasets.Kind.MNIST);
        ImageSet mnist = loaded.images();
        assertEquals(1000, mnist.size());
        assertEquals(10, mnist.classes());
        assertEquals(List.of(1L, 28L, 28L), Arrays.stream(mnist.sampleShape().getShape()).boxed().toList());
        assertEquals(10, Arrays.stream(mnist.labels()).distinct().count(), "all ten digits");
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (float v : mnist.values()) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        assertEquals(-1, min, 0);
        assertEquals(1, max, 0);
        assertEquals(1, loaded.notes().size(), "the missing training split is noted");
    }

    private static byte[] idxImages(int n, boolean gzip) throws IOException {
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        java.io.DataOutputStream out = new java.io.DataOutputStream(raw);
        out.writeInt(0x803);
        out.writeInt(n);
        out.writeInt(2);
        out.writeInt(3);
        for (int i = 0; i < n * 6; i++) {
            out.writeByte(i % 256);
        }
        if (!gzip) {
            return raw.toByteArray();
        }
        ByteArrayOutputStream zipped = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(zipped)) {
            z.write(raw.toByteArray());
        }
        return zipped.toByteArray();
    }

    @Test
    void idxReadsRawAndGzippedAndRejectsBrokenFiles(@TempDir Path dir) throws IOException {
        Path raw = dir.resolve("raw-images");
        Files.write(raw, idxImages(4, false));
        Path gz = dir.resolve("images.gz");
        Files.write(gz, idxImages(4, true));
        Idx.Images a = Idx.images(raw);
        Idx.Images b = Idx.images(gz);
        assertEquals(4, a.count());
        assertArrayEquals(a.pixels(), b.pixels());
        Path truncated = dir.resolve("truncated");
        Files.write(truncated, Arrays.copyOf(idxImages(4, false), 20));
        assertTrue(assertThrows(FileFormatException.class, () -> Idx.images(truncated)).getMessage()
                .contains("truncated: the header promises 4 images of 2 × 3"));
        Path labels = dir.resolve("labels");
        Files.write(labels, new byte[] {0, 0, 8, 1, 0, 0, 0, 1, 5});
        assertTrue(assertThrows(FileFormatException.class, () -> Idx.images(labels)).getMessage()
                .contains("not an IDX image file"));
        assertArrayEquals(new int[] {5}, Idx.labels(labels));
    }

    @Test
    void checksumsAndMissingFilesAreReported(@TempDir Path dir) throws Exception {
        for (String name : List.of("mnist-test-images-idx3-ubyte.gz", "mnist-test-labels-idx1-ubyte.gz")) {
            Files.copy(subset().resolve(name), dir.resolve(name));
        }
        Files.writeString(dir.resolve("SHA256SUMS"), "00ff  mnist-test-images-idx3-ubyte.gz\n");
        assertTrue(assertThrows(FileFormatException.class,
                () -> new IdxDatasets(dir, false).load(IdxDatasets.Kind.MNIST)).getMessage()
                .contains("SHA-256 does not match"));
        DiffusionException missing = assertThrows(DiffusionException.class,
                () -> new IdxDatasets(dir, false).load(IdxDatasets.Kind.FASHION));
        assertTrue(missing.getMessage().contains("fashion not found in " + dir + ": place fashion-train-"),
                missing.getMessage());
    }

    /** Downloads come from the first mirror that serves the file, and are kept only with the right SHA-256. */
    @Test
    void downloadsAreVerified(@TempDir Path dir) throws Exception {
        byte[] images = idxImages(3, true);
        ByteArrayOutputStream labelBytes = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(labelBytes)) {
            z.write(new byte[] {0, 0, 8, 1, 0, 0, 0, 3, 1, 2, 3});
        }
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            byte[] body = path.equals("/mirror/images.gz") ? images
                    : path.equals("/mirror/labels.gz") ? labelBytes.toByteArray() : null;
            if (body == null) {
                exchange.sendResponseHeaders(404, -1);
            } else {
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
            exchange.close();
        });
        server.start();
        try {
            URI base = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
            Downloader downloader = new Downloader();
            Path target = dir.resolve("images.gz");
            downloader.download(List.of(base.resolve("elsewhere/images.gz"), base.resolve("mirror/images.gz")),
                    Downloader.sha256Of(images), target);
            assertArrayEquals(images, Files.readAllBytes(target));
            Path wrong = dir.resolve("wrong.gz");
            DiffusionException e = assertThrows(DiffusionException.class,
                    () -> downloader.download(List.of(base.resolve("mirror/labels.gz")), "00".repeat(32), wrong));
            assertTrue(e.getMessage().contains("expected 0000"), e.getMessage());
            assertFalse(Files.exists(wrong), "a file with the wrong checksum is not kept");
            try (var leftovers = Files.list(dir)) {
                assertEquals(1, leftovers.count(), "no temporary files left behind");
            }
        } finally {
            server.stop(0);
        }
    }

    @Test
    void imageFoldersUseSubfoldersAsClasses(@TempDir Path dir) throws IOException {
        for (String cls : List.of("cats", "dogs")) {
            Files.createDirectories(dir.resolve(cls));
            for (int i = 0; i < 2; i++) {
                BufferedImage image = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
                java.awt.Graphics2D g = image.createGraphics();
                g.setColor(cls.equals("cats") ? Color.WHITE : Color.BLACK);
                g.fillRect(0, 0, 16, 16);
                g.dispose();
                ImageIO.write(image, "png", dir.resolve(cls).resolve(i + ".png").toFile());
            }
        }
        ImageSet set = ImageFolder.load(dir, 1, 8);
        assertEquals(4, set.size());
        assertEquals(2, set.classes());
        assertArrayEquals(new int[] {0, 0, 1, 1}, set.labels());
        assertEquals(1, set.values()[0], 1e-6);
        assertEquals(-1, set.values()[3 * 64], 1e-6);
        assertThrows(FileFormatException.class, () -> ImageFolder.load(dir.resolve("cats").resolve("0.png"), 1, 8));
    }

    @Test
    void toysAreSeededAndShaped() {
        for (String name : Toy2d.NAMES) {
            ImageSet a = Toy2d.generate(name, 500, 3);
            assertArrayEquals(a.values(), Toy2d.generate(name, 500, 3).values(), 0, name);
            assertFalse(Arrays.equals(a.values(), Toy2d.generate(name, 500, 4).values()), name);
            double mean = 0;
            for (float v : a.values()) {
                mean += v / a.values().length;
            }
            assertTrue(Math.abs(mean) < 1.5, name + " is centred near 0: " + mean);
        }
        ImageSet rings = Toy2d.generate("rings", 4000, 1);
        Set<Long> radii = new HashSet<>();
        for (int i = 0; i < rings.size(); i++) {
            double r = Math.hypot(rings.values()[2 * i], rings.values()[2 * i + 1]);
            radii.add(Math.round(r / 0.75));
        }
        assertEquals(Set.of(1L, 2L, 3L, 4L), radii, "four rings of radii 0.75 … 3");
    }

    @Test
    void batchOrderVisitsEverySampleOncePerEpoch() {
        BatchOrder order = new BatchOrder(10, 4, 7);
        int[] seen = new int[10];
        for (long step = 0; step < 5; step++) {
            for (int i : order.batch(step)) {
                seen[i]++;
            }
        }
        assertArrayEquals(new int[] {2, 2, 2, 2, 2, 2, 2, 2, 2, 2}, seen, "two epochs in five batches of four");
        assertArrayEquals(order.batch(3), new BatchOrder(10, 4, 7).batch(3));
        assertFalse(Arrays.equals(order.batch(0), new BatchOrder(10, 4, 8).batch(0)));
    }
}
