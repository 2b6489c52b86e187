package org.diffusion4j.audio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.UnknownNameException;
import org.junit.jupiter.api.Test;

/** EDMSound's spectrogram images: what encoding computes and how well decoding gives the clip back. */
class AudioFeatureTest {

    private static double[] noise(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = 0.3 * random.nextGaussian();
        }
        return x;
    }

    /** A vowel-like clip: a 140 Hz harmonic series under a rising and falling envelope. */
    private static double[] voiced(int n, int rate) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            double envelope = Math.sin(Math.PI * i / n);
            for (int h = 1; h <= 12; h++) {
                x[i] += envelope * 0.2 / h * Math.sin(2 * Math.PI * 140 * h * i / rate + h);
            }
        }
        return x;
    }

    @Test
    void complexImagesAreTheCompressedSpectrumAndDecodeExactly() {
        AudioFeature.Complex feature = (AudioFeature.Complex) AudioFeature.parse("complex");
        assertEquals(List.of(2, 64, 64), feature.shape());
        double[] x = noise(feature.length(), 1);
        float[] image = feature.encode(x);
        Spectrogram s = new Stft(128, 64).forward(x);
        for (int[] kt : new int[][] {{0, 0}, {5, 17}, {63, 63}, {31, 40}}) {
            int k = kt[0];
            int t = kt[1];
            double re = image[k * 64 + t];
            double im = image[64 * 64 + k * 64 + t];
            assertEquals(Math.sqrt(Math.hypot(s.re()[t][k], s.im()[t][k])), Math.hypot(re, im), 1e-5);
            assertEquals(Math.atan2(s.im()[t][k], s.re()[t][k]), Math.atan2(im, re), 1e-4);
        }
        // the decoded clip is the inverse STFT of the spectrum without its Nyquist bin, up to float rounding
        for (int t = 0; t < s.frames(); t++) {
            s.re()[t][64] = 0;
            s.im()[t][64] = 0;
        }
        double[] expected = new Stft(128, 64).inverse(s, feature.length());
        assertArrayEquals(expected, feature.decode(image, 0), 2e-6);
        // a voiced clip has almost nothing at 4 kHz: decoding gives the clip itself back
        double[] vowel = voiced(feature.length(), 8000);
        double[] back = feature.decode(feature.encode(vowel), 0);
        double worst = 0;
        for (int i = 0; i < vowel.length; i++) {
            worst = Math.max(worst, Math.abs(back[i] - vowel[i]));
        }
        assertTrue(worst < 1e-5, "worst sample error " + worst);
    }

    @Test
    void melPowerIsInvertedByNonNegativeLeastSquares() {
        double[][] filters = new MelFilterbank("htk", true).filters(8000, 256, 32, 0, 4000);
        SplittableRandom random = new SplittableRandom(3);
        int frames = 6;
        double[][] power = new double[frames][129];
        for (double[] frame : power) {
            for (int k = 0; k < frame.length; k++) {
                frame[k] = Math.exp(2 * random.nextGaussian()) * Math.exp(-k / 40.0);
            }
        }
        double[][] melPower = mel(filters, power);
        double[][] recovered = MelSpectrogram.linearPower(filters, melPower);
        double[][] again = mel(filters, recovered);
        for (int t = 0; t < frames; t++) {
            double error = 0;
            double norm = 0;
            for (int m = 0; m < 32; m++) {
                error += Math.pow(again[m][t] - melPower[m][t], 2);
                norm += melPower[m][t] * melPower[m][t];
            }
            assertTrue(Math.sqrt(error / norm) < 0.02, "frame " + t + ": relative mel error "
                    + Math.sqrt(error / norm));
            for (double p : recovered[t]) {
                assertTrue(p >= 0);
            }
        }
        // a flat spectrum is recovered exactly from the start point
        double[][] flat = new double[1][129];
        java.util.Arrays.fill(flat[0], 2.5);
        double[][] back = MelSpectrogram.linearPower(filters, mel(filters, flat));
        for (int k = 1; k < 128; k++) {
            assertEquals(2.5, back[0][k], 1e-9, "bin " + k);
        }
    }

    private static double[][] mel(double[][] filters, double[][] power) {
        double[][] out = new double[filters.length][power.length];
        for (int m = 0; m < filters.length; m++) {
            for (int t = 0; t < power.length; t++) {
                for (int k = 0; k < filters[m].length; k++) {
                    out[m][t] += filters[m][k] * power[t][k];
                }
            }
        }
        return out;
    }

    @Test
    void melImagesScaleTheLogMelAndDecodeToTheSameImage() {
        AudioFeature.LogMel feature = (AudioFeature.LogMel) AudioFeature.parse("mel");
        assertEquals(List.of(1, 32, 32), feature.shape());
        float[] silence = feature.encode(new double[feature.length()]);
        for (float v : silence) {
            assertEquals(-1f, v);
        }
        double[] vowel = voiced(feature.length(), 8000);
        float[] image = feature.encode(vowel);
        double[][] logMel = new MelSpectrogram(new Stft(256, 128), feature.filters(), 1e-5).logMel(vowel);
        double range = Math.log(100) - Math.log(1e-5);
        assertEquals(2 * (logMel[7][16] - Math.log(1e-5)) / range - 1, image[7 * 32 + 16], 1e-6);
        float[] again = feature.encode(feature.decode(image, 0));
        double error = 0;
        for (int i = 0; i < image.length; i++) {
            error += Math.abs(again[i] - image[i]);
        }
        error /= image.length;
        assertTrue(error < 0.05, "mean absolute error of the re-encoded image " + error);
    }

    @Test
    void badSpecsAreRefusedByName() {
        InvalidArgumentException e = assertThrows(InvalidArgumentException.class,
                () -> AudioFeature.parse("mel:length=8000"));
        assertEquals("mel: a square image of 32 frames needs a length L with 1 + ⌊L/hop⌋ = 32 (L in 3968 … 4095 for "
                + "hop 128), got 8000", e.getMessage());
        e = assertThrows(InvalidArgumentException.class, () -> AudioFeature.parse("complex:exponent=2"));
        assertEquals("complex: needs 0 < exponent ≤ 1 and scale > 0, got exponent 2.0, scale 1.0", e.getMessage());
        e = assertThrows(InvalidArgumentException.class, () -> AudioFeature.parse("mel:floor=1,ceiling=0.5"));
        assertTrue(e.getMessage().startsWith("mel: needs 0 < floor < ceiling"), e.getMessage());
        assertThrows(UnknownNameException.class, () -> AudioFeature.parse("cqt"));
        AudioFeature mel = AudioFeature.parse("mel");
        e = assertThrows(InvalidArgumentException.class, () -> mel.encode(new double[100]));
        assertEquals("this audio feature takes clips of 4032 samples, got 100 (fit the clip first)", e.getMessage());
        assertEquals(mel, AudioFeature.parse(mel.spec()));
        AudioFeature complex = AudioFeature.parse("complex:scale=0.7");
        assertEquals(complex, AudioFeature.parse(complex.spec()));
    }
}
