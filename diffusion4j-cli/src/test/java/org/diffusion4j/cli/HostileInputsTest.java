package org.diffusion4j.cli;

import static org.diffusion4j.cli.CliRunner.assertError;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ai.djl.ndarray.NDManager;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.io.Safetensors;
import org.diffusion4j.train.Presets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 23, as a hostile user meets it on the command line: every case ends in exit 1 and a message, no trace. */
class HostileInputsTest {
    private static final Path FIXTURES = Path.of("../diffusion4j-core/src/test/resources/org/diffusion4j/torchscript");

    /** A run whose model.safetensors says its header is 2^31 − 16 bytes long (was an OutOfMemoryError). */
    @Test
    void aRunWithAHostileSafetensorsHeader(@TempDir Path dir) throws Exception {
        Path run = dir.resolve("run");
        Presets.named("toy-2d").write(run.resolve("config.json"));
        Path model = run.resolve("model.safetensors");
        try (NDManager m = Backend.newManager()) {
            Safetensors.write(model, Map.of("w", m.ones(new ai.djl.ndarray.types.Shape(4))));
        }
        byte[] bytes = Files.readAllBytes(model);
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, (1L << 31) - 16);
        Files.write(model, bytes);
        assertError(model + ": header length 2147483632 does not fit", "sample", "--run", run.toString(),
                "--sampler", "euler", "--steps", "2", "--out", dir.resolve("x.npy").toString(), "--quiet");
    }

    /** A 200-byte .npy claiming shape (260000000, 2) (allocated 2.2 GB). */
    @Test
    void aHostileInit(@TempDir Path dir) throws Exception {
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (260000000, 2), }";
        String header = dict + " ".repeat(200 - 10 - 70 - dict.length() - 1) + "\n";
        ByteBuffer b = ByteBuffer.allocate(200).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) header.length())
                .put(header.getBytes(StandardCharsets.ISO_8859_1));
        Path init = dir.resolve("init.npy");
        Files.write(init, b.array());
        assertError(init + ": shape [260000000, 2] of <f4 needs 2080000000 bytes of data, but only 70 can follow",
                "sample", "--model", "gmm:eight-gaussians", "--sampler", "euler", "--steps", "2", "--init",
                init.toString(), "--out", dir.resolve("x.npy").toString(), "--quiet");
    }

    /** A binary mixture spec (was MalformedInputException: Input length = 1, naming no file). */
    @Test
    void aBinaryMixtureSpec(@TempDir Path dir) throws Exception {
        Path spec = dir.resolve("mix.json");
        Files.write(spec, new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 1, 2});
        assertError(spec + ": the file is not UTF-8 text (invalid byte 0x89 at byte 0)", "sample", "--model",
                "gmm:" + spec, "--sampler", "euler", "--steps", "2", "--out", dir.resolve("x.npy").toString());
    }

    /** Outputs are checked before the work: a later error (a class for an unconditional model) is not reached. */
    @Test
    void sampleOutUnderARegularFile(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("plain"), "x");
        Path out = file.resolve("x.npy");
        assertError("--out " + out + ": " + file + " is a file, not a directory", "sample", "--model",
                "gmm:eight-gaussians", "--sampler", "euler", "--steps", "2", "--class", "3", "--out", out.toString());
        assertFalse(Files.exists(dir.resolve("x.npy")));
    }

    /** --json into /proc failed with UncheckedIOException after the whole evaluation. */
    @Test
    void evalJsonThatCannotBeWritten() {
        assertError("--json /proc/x.json: cannot write in /proc", "eval", "--model",
                "torchscript:" + FIXTURES.resolve("vp-eps-ddpm.pt"), "--reference", "gmm:eight-gaussians", "--nfe",
                "2", "--n", "10", "--json", "/proc/x.json", "--quiet");
    }

    @Test
    void evalNeedsAPositiveN() {
        for (String n : new String[] {"0", "-3"}) {
            assertError("--n must be at least 1, got " + n, "eval", "--model",
                    "torchscript:" + FIXTURES.resolve("vp-eps-ddpm.pt"), "--reference", "gmm:eight-gaussians",
                    "--nfe", "2", "--n", n, "--quiet");
        }
    }

    /** demo --out FILE gave FileAlreadyExistsException. */
    @Test
    void demoOutThatIsAFile(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("report"), "x");
        assertError("--out " + file + ": is a file, expected a directory", "demo", "--out", file.toString(),
                "--quiet");
    }

    /** --n 100000000 ran 30 s to 6.5 GB and died with OutOfMemoryError; a .png is drawn at once, so it is refused. */
    @Test
    void aHugeNForAPngIsRefusedNamingN(@TempDir Path dir) {
        assertError("--n 100000000: a .png of 100000000 samples needs about 762 MiB in memory, more than 256 MiB",
                "sample", "--model", "gmm:eight-gaussians", "--sampler", "euler", "--steps", "2", "--n", "100000000",
                "--out", dir.resolve("x.png").toString(), "--quiet");
        assertError("--batch must be at least 1, got 0", "sample", "--model", "gmm:eight-gaussians", "--sampler",
                "euler", "--steps", "2", "--batch", "0", "--out", dir.resolve("x.npy").toString(), "--quiet");
    }

    /** Array files are written batch by batch; the batches do not change the samples. */
    @Test
    void arrayFilesAreWrittenBatchByBatch(@TempDir Path dir) {
        Path batched = dir.resolve("batched.npy");
        Path whole = dir.resolve("whole.npy");
        for (String[] extra : new String[][] {{"--batch", "300", "--out", batched.toString()},
            {"--out", whole.toString()}}) {
            String[] args = {"sample", "--model", "gmm:eight-gaussians", "--sampler", "dpmpp-2m-sde", "--steps", "6",
                "--n", "1000", "--seed", "5", "--quiet"};
            String[] all = java.util.Arrays.copyOf(args, args.length + extra.length);
            System.arraycopy(extra, 0, all, args.length, extra.length);
            CliRunner.Result r = CliRunner.run(all);
            org.junit.jupiter.api.Assertions.assertEquals(0, r.exitCode(), r.err());
            org.junit.jupiter.api.Assertions.assertTrue(r.out().contains("1000 samples, 6 steps"), r.out());
        }
        try (NDManager m = Backend.newManager()) {
            var a = org.diffusion4j.io.ArrayFiles.read(batched, m);
            var b = org.diffusion4j.io.ArrayFiles.read(whole, m);
            org.junit.jupiter.api.Assertions.assertEquals(new ai.djl.ndarray.types.Shape(1000, 2), a.getShape());
            org.junit.jupiter.api.Assertions.assertArrayEquals(b.toFloatArray(), a.toFloatArray(), 1e-6f);
        }
    }
}
