package org.diffusion4j.audio;

import java.util.List;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.UnknownNameException;

/**
 * Triangular mel filters over an STFT's bins: {@code nMels} filters whose edges are equally spaced in mel between
 * {@code fMin} and {@code fMax}, filter m rising from edge m to m + 1 and falling to m + 2 (librosa's
 * {@code filters.mel}). Scales: {@code htk}, m = 2595·log₁₀(1 + f/700); {@code slaney}, linear below 1 kHz
 * (m = 3f/200) and logarithmic above (m = 15 + 27·ln(f/1000)/ln 6.4). With Slaney normalisation each filter is
 * divided by half its width in Hz, 2/(f_{m+2} − f_m), so every filter has the same area.
 *
 * @param scale {@code htk} or {@code slaney}
 * @param slaneyNorm whether filters have equal area
 */
public record MelFilterbank(String scale, boolean slaneyNorm) {

    /** The mel scales. */
    public static final List<String> SCALES = List.of("htk", "slaney");

    public MelFilterbank {
        if (!SCALES.contains(scale)) {
            throw new UnknownNameException("mel scale", scale, SCALES);
        }
    }

    /** Hz to mel. */
    public double mel(double hz) {
        if (scale.equals("htk")) {
            return 2595 * Math.log10(1 + hz / 700);
        }
        return hz < 1000 ? 3 * hz / 200 : 15 + 27 * Math.log(hz / 1000) / Math.log(6.4);
    }

    /** Mel to Hz. */
    public double hz(double mel) {
        if (scale.equals("htk")) {
            return 700 * (Math.pow(10, mel / 2595) - 1);
        }
        return mel < 15 ? 200 * mel / 3 : 1000 * Math.exp((mel - 15) * Math.log(6.4) / 27);
    }

    /**
     * The filters, {@code [nMels][nFft/2 + 1]}, for an STFT of size {@code nFft} at {@code sampleRate}.
     *
     * @param fMax at most the Nyquist frequency
     */
    public double[][] filters(int sampleRate, int nFft, int nMels, double fMin, double fMax) {
        if (nMels < 1 || !(fMin >= 0 && fMin < fMax && fMax <= sampleRate / 2.0)) {
            throw new InvalidArgumentException("mel filters need nMels ≥ 1 and 0 ≤ fMin < fMax ≤ " + sampleRate / 2.0
                    + " Hz (Nyquist), got " + nMels + ", " + fMin + ", " + fMax);
        }
        double[] edges = new double[nMels + 2];
        double lo = mel(fMin);
        double hi = mel(fMax);
        for (int i = 0; i < edges.length; i++) {
            edges[i] = hz(lo + (hi - lo) * i / (nMels + 1));
        }
        int bins = nFft / 2 + 1;
        double[][] out = new double[nMels][bins];
        for (int m = 0; m < nMels; m++) {
            for (int k = 0; k < bins; k++) {
                double f = (double) k * sampleRate / nFft;
                double rising = (f - edges[m]) / (edges[m + 1] - edges[m]);
                double falling = (edges[m + 2] - f) / (edges[m + 2] - edges[m + 1]);
                double weight = Math.max(0, Math.min(rising, falling));
                out[m][k] = slaneyNorm ? weight * 2 / (edges[m + 2] - edges[m]) : weight;
            }
        }
        return out;
    }
}
