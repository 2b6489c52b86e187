package org.diffusion4j.audio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import javax.sound.sampled.AudioFileFormat;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import org.diffusion4j.io.FileFormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Audio against exact answers: the STFT against a direct DFT and inverted to round-off, mel filters against an
 * independent construction, Griffin–Lim's spectral convergence falling with its budget, WAV round trips bit-exact and
 * bad WAV files refused by name.
 */
class AudioTest {

    private static double[] noise(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = random.nextDouble(-1, 1);
        }
        return x;
    }

    /** One frame equals the windowed DFT written as a sum (10⁻⁹), and STFT → inverse returns the signal (10⁻⁶). */
    @Test
    void theStftIsTheWindowedDftAndItsInverseReconstructs() {
        double[] x = noise(3001, 1);
        for (int[] sizes : new int[][] {{256, 64}, {512, 128}, {64, 32}, {400, 100}}) {
            Stft stft = new Stft(sizes[0], sizes[1]);
            Spectrogram s = stft.forward(x);
            assertEquals(1 + 3001 / sizes[1], s.frames());
            int t = 7;
            double[] w = stft.window();
            for (int k = 0; k < stft.bins(); k += 5) {
                double re = 0;
                double im = 0;
                for (int i = 0; i < sizes[0]; i++) {
                    double v = x[t * sizes[1] + i - sizes[0] / 2] * w[i];
                    re += v * Math.cos(2 * Math.PI * k * i / sizes[0]);
                    im -= v * Math.sin(2 * Math.PI * k * i / sizes[0]);
                }
                assertEquals(re, s.re()[t][k], 1e-9, "re, bin " + k);
                assertEquals(im, s.im()[t][k], 1e-9, "im, bin " + k);
            }
            double[] back = stft.inverse(s, x.length);
            double worst = 0;
            for (int i = 0; i < x.length; i++) {
                worst = Math.max(worst, Math.abs(back[i] - x[i]));
            }
            assertTrue(worst < 1e-6, sizes[0] + "/" + sizes[1] + ": " + worst);
        }
    }

    /**
     * Mel filters against librosa's construction written independently here (edges from the scale's closed form,
     * ramps from the differences of the edges): equal to 10⁻⁹ for both scales, with and without Slaney's
     * normalisation; and the scales' anchors (HTK: 700 Hz ↦ 2595·log₁₀ 2; Slaney: 1 kHz ↦ 15, 6.4 kHz ↦ 42).
     */
    @Test
    void melFiltersMatchAnIndependentConstruction() {
        assertEquals(2595 * Math.log10(2), new MelFilterbank("htk", false).mel(700), 1e-12);
        assertEquals(15, new MelFilterbank("slaney", true).mel(1000), 1e-12);
        assertEquals(42, new MelFilterbank("slaney", true).mel(6400), 1e-12);
        int sr = 8000;
        int nFft = 512;
        int nMels = 40;
        for (String scale : MelFilterbank.SCALES) {
            for (boolean norm : new boolean[] {true, false}) {
                double[][] got = new MelFilterbank(scale, norm).filters(sr, nFft, nMels, 20, 4000);
                double[][] expected = reference(scale, norm, sr, nFft, nMels, 20, 4000);
                for (int m = 0; m < nMels; m++) {
                    for (int k = 0; k <= nFft / 2; k++) {
                        assertEquals(expected[m][k], got[m][k], 1e-9, scale + " " + norm + " filter " + m + " bin "
                                + k);
                    }
                }
            }
        }
    }

    private static double[][] reference(String scale, boolean norm, int sr, int nFft, int nMels, double fMin,
            double fMax) {
        boolean htk = scale.equals("htk");
        java.util.function.DoubleUnaryOperator toMel = f -> htk ? 2595 * Math.log10(1 + f / 700)
                : f >= 1000 ? 15 + Math.log(f / 1000) / (Math.log(6.4) / 27) : f / (200.0 / 3);
        java.util.function.DoubleUnaryOperator toHz = m -> htk ? 700 * (Math.pow(10, m / 2595) - 1)
                : m >= 15 ? 1000 * Math.exp((Math.log(6.4) / 27) * (m - 15)) : (200.0 / 3) * m;
        double[] melF = new double[nMels + 2];
        double a = toMel.applyAsDouble(fMin);
        double b = toMel.applyAsDouble(fMax);
        for (int i = 0; i < melF.length; i++) {
            melF[i] = toHz.applyAsDouble(a + i * (b - a) / (nMels + 1));
        }
        double[][] weights = new double[nMels][nFft / 2 + 1];
        for (int i = 0; i < nMels; i++) {
            for (int k = 0; k <= nFft / 2; k++) {
                double freq = k * (sr / 2.0) / (nFft / 2);
                double lower = -(melF[i] - freq) / (melF[i + 1] - melF[i]);
                double upper = (melF[i + 2] - freq) / (melF[i + 2] - melF[i + 1]);
                weights[i][k] = Math.max(0, Math.min(lower, upper)) * (norm ? 2.0 / (melF[i + 2] - melF[i]) : 1);
            }
        }
        return weights;
    }

    /**
     * Griffin–Lim on the magnitude of a known signal (a chirp with a harmonic, 0.5 s at 8 kHz): its spectral
     * convergence falls with every doubling of the budget, 0 → 64 iterations, with and without momentum, and the
     * fast version (α = 0.99) ends below the original.
     */
    @Test
    void griffinLimImprovesWithItsBudget() {
        int n = 4000;
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            double t = i / 8000.0;
            x[i] = 0.5 * Math.sin(2 * Math.PI * (300 * t + 800 * t * t)) + 0.2 * Math.sin(2 * Math.PI * 1200 * t);
        }
        Stft stft = new Stft(256, 64);
        double[][] magnitude = stft.forward(x).magnitude();
        double[] last = new double[2];
        for (int j = 0; j < 2; j++) {
            double momentum = j == 0 ? 0 : 0.99;
            double previous = Double.POSITIVE_INFINITY;
            for (int budget : new int[] {0, 1, 2, 4, 8, 16, 32, 64}) {
                double sc = GriffinLim.spectralConvergence(stft, new GriffinLim(stft, budget, momentum)
                        .reconstruct(magnitude, n, 3), magnitude);
                assertTrue(sc < previous, "momentum " + momentum + ", " + budget + " iterations: " + sc + " after "
                        + previous);
                previous = sc;
            }
            last[j] = previous;
        }
        assertTrue(last[1] < last[0], "fast Griffin–Lim " + last[1] + " vs " + last[0]);
    }

    /** 16-bit stereo written and read back: the same samples, and writing them again gives the same bytes. */
    @Test
    void sixteenBitRoundTripsAreBitExact(@TempDir Path dir) throws Exception {
        SplittableRandom random = new SplittableRandom(4);
        double[][] channels = new double[2][1000];
        for (double[] c : channels) {
            for (int i = 0; i < c.length; i++) {
                c[i] = (random.nextInt(65536) - 32768) / 32768.0;
            }
        }
        Path a = dir.resolve("a.wav");
        WavFiles.write(a, new Audio(8000, channels));
        Audio read = WavFiles.read(a);
        assertEquals(8000, read.sampleRate());
        assertArrayEquals(channels[0], read.channels()[0], 0);
        assertArrayEquals(channels[1], read.channels()[1], 0);
        Path b = dir.resolve("b.wav");
        WavFiles.write(b, read);
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
    }

    /** 8-bit unsigned and 24-bit files from the JDK's writer read back to their exact values. */
    @Test
    void otherBitDepthsRead(@TempDir Path dir) throws Exception {
        byte[] eight = {0, (byte) 128, (byte) 255, 64};
        Path p8 = dir.resolve("8.wav");
        write(p8, new AudioFormat(AudioFormat.Encoding.PCM_UNSIGNED, 11025, 8, 1, 1, 11025, false), eight);
        assertArrayEquals(new double[] {-1, 0, 127 / 128.0, -0.5}, WavFiles.read(p8).channels()[0], 0);
        byte[] twentyFour = {0, 0, (byte) 0x80, (byte) 0xff, (byte) 0xff, 0x7f, 1, 0, 0};
        Path p24 = dir.resolve("24.wav");
        write(p24, new AudioFormat(48000, 24, 1, true, false), twentyFour);
        Audio read = WavFiles.read(p24);
        assertEquals(48000, read.sampleRate());
        assertArrayEquals(new double[] {-1, (Math.pow(2, 23) - 1) / Math.pow(2, 23), Math.pow(2, -23)},
                read.channels()[0], 0);
    }

    private static void write(Path file, AudioFormat format, byte[] data) throws Exception {
        AudioSystem.write(new AudioInputStream(new ByteArrayInputStream(data), format, data.length
                / format.getFrameSize()), AudioFileFormat.Type.WAVE, file.toFile());
    }

    @Test
    void badFilesAreRefusedByName(@TempDir Path dir) throws Exception {
        Path good = dir.resolve("good.wav");
        WavFiles.write(good, Audio.mono(8000, new double[] {0.1, -0.2, 0.3, 0.4}));
        byte[] bytes = Files.readAllBytes(good);
        assertRefused(dir, "empty.wav", new byte[0], "is empty (0 bytes), not a WAV file");
        assertRefused(dir, "text.wav", "hello, not audio".getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                "is not a WAV file: it does not start with a RIFF/WAVE header");
        assertRefused(dir, "cut.wav", Arrays.copyOf(bytes, bytes.length - 3),
                "is truncated: its data chunk declares 8 bytes but 5 follow");
        assertRefused(dir, "header-only.wav", Arrays.copyOf(bytes, 30), "is truncated: its fmt chunk has 10 of the "
                + "16 bytes a WAV format needs");
        byte[] adpcm = bytes.clone();
        ByteBuffer.wrap(adpcm).order(ByteOrder.LITTLE_ENDIAN).putShort(20, (short) 2);
        assertRefused(dir, "adpcm.wav", adpcm, "uses encoding 0x0002 (format tag), which the JDK does not decode");
        byte[] silent = Arrays.copyOf(bytes, 44);
        ByteBuffer.wrap(silent).order(ByteOrder.LITTLE_ENDIAN).putInt(40, 0).putInt(4, 36);
        assertRefused(dir, "silent.wav", silent, "holds no samples (its data chunk is empty)");
    }

    private static void assertRefused(Path dir, String name, byte[] content, String expected) throws Exception {
        Path file = dir.resolve(name);
        Files.write(file, content);
        FileFormatException e = assertThrows(FileFormatException.class, () -> WavFiles.read(file));
        assertEquals(file + ": " + expected, e.getMessage().substring(0, Math.min(e.getMessage().length(),
                (file + ": " + expected).length())), e.getMessage());
    }
}
