package org.diffusion4j.reward;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.UnknownNameException;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.backend.NativeArrays;
import org.diffusion4j.data.IdxDatasets;
import org.diffusion4j.data.ImageSet;
import org.diffusion4j.io.ArrayFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RewardsTest {

    @Test
    void thicknessIsMeanInk() {
        try (NDManager m = Backend.newManager(); Reward r = Rewards.create("thickness", "mnist")) {
            NDArray x = m.create(new float[] {-1, -1, -1, -1, 1, 1, 1, 1, -1, 1, 0, 0}, new Shape(3, 1, 2, 2));
            assertArrayEquals(new double[] {0, 1, 0.5}, r.score(x, null), 1e-7);
        }
    }

    @Test
    void compressibilityIsMinusThePngSizeAndPrefersFlatImages() {
        try (NDManager m = Backend.newManager(); Reward r = Rewards.create("compressibility", null)) {
            float[] v = new float[2 * 28 * 28];
            SplittableRandom random = new SplittableRandom(1);
            for (int i = 28 * 28; i < v.length; i++) {
                v[i] = (float) (random.nextDouble() * 2 - 1);
            }
            double[] s = r.score(m.create(v, new Shape(2, 1, 28, 28)), null);
            assertEquals(-Compressibility.pngBytes(v, 0, 1, 28, 28) / 1000.0, s[0], 0.0);
            assertEquals(-Compressibility.pngBytes(v, 784, 1, 28, 28) / 1000.0, s[1], 0.0);
            assertTrue(s[0] > s[1] + 0.3, "a blank image is far smaller than noise: " + s[0] + " vs " + s[1]);
            assertTrue(s[1] < -0.7, "784 random bytes do not compress: " + s[1]);
        }
    }

    @Test
    void classProbabilityIsTheBundledClassifiersProbabilityOfTheAskedClass() throws Exception {
        ImageSet mnist = new IdxDatasets(Path.of(IdxDatasets.class.getResource("mnist-1k").toURI()), false)
                .load(IdxDatasets.Kind.MNIST).images();
        int n = 50;
        int[] indices = IntStream.range(0, n).toArray();
        int[] labels = java.util.Arrays.copyOf(mnist.labels(), n);
        int[] wrong = java.util.Arrays.stream(labels).map(c -> (c + 1) % 10).toArray();
        try (NDManager m = Backend.newManager(); Reward r = Rewards.create("class-probability", "mnist")) {
            assertTrue(r.needsClasses());
            NDArray x = mnist.batch(m, indices);
            double[] right = r.score(x, labels);
            double[] other = r.score(x, wrong);
            double meanRight = java.util.Arrays.stream(right).average().orElseThrow();
            double meanOther = java.util.Arrays.stream(other).average().orElseThrow();
            assertTrue(meanRight > 0.9 && meanOther < 0.05, meanRight + " vs " + meanOther);
            for (int i = 0; i < n; i++) {
                assertTrue(right[i] + other[i] <= 1 + 1e-6 && right[i] >= 0 && other[i] >= 0,
                        right[i] + " + " + other[i]);
            }
            InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> r.score(x, null));
            assertTrue(e.getMessage().contains("unconditional"), e.getMessage());
        }
    }

    @Test
    void regionScoresPointsInTheBox() {
        try (NDManager m = Backend.newManager(); Reward r = Rewards.create("region:xmin=0,ymax=1", null)) {
            NDArray x = m.create(new double[] {1, 0, -1, 0, 1, 2, 0, 1}, new Shape(4, 2));
            assertArrayEquals(new double[] {1, 0, 0, 1}, r.score(x, null), 0.0);
            assertEquals("region:xmin=0.0,ymax=1.0", r.spec());
        }
    }

    @Test
    void theExternalProtocolRoundTrips(@TempDir Path dir) throws Exception {
        Path seen = dir.resolve("seen");
        Files.createDirectories(seen);
        Path script = script(dir, "score.sh", "cp \"$1\" " + seen + "/images.npy\ncp \"$2\" " + seen
                + "/classes.npy\nprintf '{\"scores\": [1.5, -2, 0.3]}' > \"$3\"\n");
        try (NDManager m = Backend.newManager();
                Reward r = Rewards.create("external:command=" + script, "mnist")) {
            NDArray x = NativeArrays.standardNormal(new SplittableRandom(2), new Shape(3, 1, 4, 4), m);
            assertArrayEquals(new double[] {1.5, -2, 0.3}, r.score(x, new int[] {7, 0, 3}), 0.0);
            assertArrayEquals(x.toFloatArray(), ArrayFiles.read(seen.resolve("images.npy"), m).toFloatArray(), 0f);
            assertEquals(new Shape(3, 1, 4, 4), ArrayFiles.read(seen.resolve("images.npy"), m).getShape());
            assertArrayEquals(new int[] {7, 0, 3}, ArrayFiles.read(seen.resolve("classes.npy"), m)
                    .toType(DataType.INT32, false).toIntArray());
            r.score(x, null);
            assertArrayEquals(new int[] {-1, -1, -1}, ArrayFiles.read(seen.resolve("classes.npy"), m)
                    .toType(DataType.INT32, false).toIntArray(), "−1 for an unconditional model");
        }
    }

    @Test
    void externalFailuresAreRewardExceptionsThatSayWhatWentWrong(@TempDir Path dir) throws Exception {
        try (NDManager m = Backend.newManager()) {
            NDArray x = m.zeros(new Shape(3, 1, 2, 2));
            assertFails(dir, "echo boom >&2\nexit 3\n", "", x, "exited with status 3", "boom");
            assertFails(dir, "printf '[1, 2]' > \"$3\"\n", "", x, "returned 2 scores for 3 samples");
            assertFails(dir, "printf '[1, \"x\", 2]' > \"$3\"\n", "", x, "score 1 is \"x\", not a finite number");
            assertFails(dir, "printf '{\"nope\": 1}' > \"$3\"\n", "", x, "must be a JSON array of 3 numbers");
            assertFails(dir, "exit 0\n", "", x, "wrote no scores");
            assertFails(dir, "sleep 5\n", ",timeout=1", x, "did not finish within 1 s");
        }
    }

    @Test
    void badSpecsNameTheProblem(@TempDir Path dir) throws Exception {
        UnknownNameException unknown = assertThrows(UnknownNameException.class, () -> Rewards.create("beauty",
                null));
        assertEquals("unknown reward 'beauty'; known rewards: class-probability, thickness, compressibility, region, "
                + "external", unknown.getMessage());
        InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> Rewards.create("external",
                null));
        assertTrue(e.getMessage().contains("needs command=PATH"), e.getMessage());
        e = assertThrows(InvalidArgumentException.class, () -> Rewards.create("external:command=" + dir
                + "/missing.sh", null));
        assertTrue(e.getMessage().endsWith("missing.sh: no such file"), e.getMessage());
        Path plain = dir.resolve("plain.sh");
        Files.writeString(plain, "exit 0\n");
        e = assertThrows(InvalidArgumentException.class, () -> Rewards.create("external:command=" + plain, null));
        assertTrue(e.getMessage().contains("is not executable"), e.getMessage());
        e = assertThrows(InvalidArgumentException.class, () -> Rewards.create("class-probability", "toy"));
        assertTrue(e.getMessage().contains("no bundled classifier for 'toy'"), e.getMessage());
        e = assertThrows(InvalidArgumentException.class, () -> Rewards.create("region:xmin=1,xmax=0", null));
        assertTrue(e.getMessage().contains("xmin < xmax"), e.getMessage());
    }

    private static void assertFails(Path dir, String body, String options, NDArray x, String... parts)
            throws Exception {
        Path script = script(dir, "s" + Math.abs(body.hashCode()) + ".sh", body);
        try (Reward r = Rewards.create("external:command=" + script + options, null)) {
            RewardException e = assertThrows(RewardException.class, () -> r.score(x, null));
            for (String part : parts) {
                assertTrue(e.getMessage().contains(part), e.getMessage());
            }
        }
    }

    private static Path script(Path dir, String name, String body) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, "#!/bin/sh\n" + body);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        return file;
    }
}
