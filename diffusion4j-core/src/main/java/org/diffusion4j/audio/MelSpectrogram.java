package org.diffusion4j.audio;

import org.diffusion4j.InvalidArgumentException;

/**
 * The log-mel spectrogram of a signal: mel filters applied to the STFT's power |X|², then ln(max(·, floor)), shaped
 * {@code [nMels][frames]} (a mel band per row, as an image).
 *
 * @param stft the transform
 * @param filters mel filters, {@code [nMels][nFft/2 + 1]} ({@link MelFilterbank#filters})
 * @param floor the smallest power kept before the logarithm
 */
public record MelSpectrogram(Stft stft, double[][] filters, double floor) {

    public MelSpectrogram {
        if (filters.length == 0 || filters[0].length != stft.bins()) {
            throw new InvalidArgumentException("mel filters of " + (filters.length == 0 ? 0 : filters[0].length)
                    + " bins do not fit an STFT of " + stft.bins());
        }
        if (!(floor > 0)) {
            throw new InvalidArgumentException("the log-mel floor must be positive, got " + floor);
        }
    }

    /** ln(max(M·|STFT(x)|², floor)), {@code [nMels][frames]}. */
    public double[][] logMel(double[] signal) {
        double[][] magnitude = stft.forward(signal).magnitude();
        int frames = magnitude.length;
        double[][] out = new double[filters.length][frames];
        for (int m = 0; m < filters.length; m++) {
            for (int t = 0; t < frames; t++) {
                double sum = 0;
                for (int k = 0; k < filters[m].length; k++) {
                    sum += filters[m][k] * magnitude[t][k] * magnitude[t][k];
                }
                out[m][t] = Math.log(Math.max(sum, floor));
            }
        }
        return out;
    }
}
