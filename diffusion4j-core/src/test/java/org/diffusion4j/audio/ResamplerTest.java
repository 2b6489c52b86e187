package org.diffusion4j.audio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.diffusion4j.InvalidArgumentException;
import org.junit.jupiter.api.Test;

/** Band-limited resampling against the sines it should reproduce and the ones it should remove. */
class ResamplerTest {

    private static double[] sine(double hz, int rate, int n) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = Math.sin(2 * Math.PI * hz * i / rate + 0.3);
        }
        return x;
    }

    private static double rms(double[] x, int from, int to) {
        double sum = 0;
        for (int i = from; i < to; i++) {
            sum += x[i] * x[i];
        }
        return Math.sqrt(sum / (to - from));
    }

    /** Away from the clip's ends, a sine well below both Nyquist rates is the same sine at the new rate. */
    @Test
    void aSineBelowBothNyquistRatesIsThatSineAtTheNewRate() {
        Resampler resampler = Resampler.standard();
        for (int[] rates : new int[][] {{8000, 16000}, {16000, 8000}, {8000, 22050}, {44100, 8000}, {8000, 11025}}) {
            int from = rates[0];
            int to = rates[1];
            double[] y = resampler.resample(sine(440, from, 4000), from, to);
            assertEquals((int) Math.ceil(4000.0 * to / from), y.length);
            double[] expected = sine(440, to, y.length);
            double worst = 0;
            for (int j = y.length / 5; j < 4 * y.length / 5; j++) {
                worst = Math.max(worst, Math.abs(y[j] - expected[j]));
            }
            assertTrue(worst < 3e-3, from + " → " + to + ": worst error " + worst);
        }
    }

    /** Downsampling removes a tone above the new Nyquist frequency (by more than 40 dB) instead of aliasing it. */
    @Test
    void aToneAboveTheNewNyquistIsRemoved() {
        double[] y = Resampler.standard().resample(sine(6000, 16000, 8000), 16000, 8000);
        double level = 20 * Math.log10(rms(y, 1000, 3000) / Math.sqrt(0.5));
        assertTrue(level < -40, "a 6 kHz tone at 8 kHz is " + level + " dB");
        double[] kept = Resampler.standard().resample(sine(3000, 16000, 8000), 16000, 8000);
        double keptLevel = 20 * Math.log10(rms(kept, 1000, 3000) / Math.sqrt(0.5));
        assertTrue(Math.abs(keptLevel) < 0.5, "a 3 kHz tone loses " + keptLevel + " dB");
    }

    @Test
    void sameRateIsTheClipItselfAndBadSettingsAreRefused() {
        Audio clip = Audio.mono(8000, sine(300, 8000, 100));
        assertSame(clip, Resampler.standard().resample(clip, 8000));
        Audio stereo = new Audio(8000, new double[][] {sine(300, 8000, 800), sine(500, 8000, 800)});
        Audio up = Resampler.standard().resample(stereo, 16000);
        assertEquals(16000, up.sampleRate());
        assertEquals(1600, up.length());
        assertThrows(InvalidArgumentException.class, () -> Resampler.standard().resample(clip, 0));
        InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> new Resampler(0, 0.99));
        assertEquals("a resampler needs zeros ≥ 1 and a rolloff in (0, 1], got 0 and 0.99", e.getMessage());
    }
}
