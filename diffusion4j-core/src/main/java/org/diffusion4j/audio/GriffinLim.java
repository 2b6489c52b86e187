package org.diffusion4j.audio;

import java.util.SplittableRandom;
import org.diffusion4j.InvalidArgumentException;

/**
 * A signal whose STFT magnitude matches a given one, by alternating projections (Griffin &amp; Lim 1984): keep the
 * magnitude, take the phase of the STFT of the current signal's inverse. With momentum α (the fast Griffin–Lim of
 * Perraudin, Balazs &amp; Søndergaard 2013) the phase is taken from c_n + α·(c_n − c_{n−1}), c_n the projected
 * spectrogram; α = 0 is the original algorithm, α = 0.99 the paper's. The start phases are uniform, from a seed.
 *
 * @param stft the transform the magnitude belongs to
 * @param iterations projections to make
 * @param momentum α ≥ 0
 */
public record GriffinLim(Stft stft, int iterations, double momentum) {

    public GriffinLim {
        if (iterations < 0) {
            throw new InvalidArgumentException("Griffin–Lim needs iterations ≥ 0, got " + iterations);
        }
        if (!(momentum >= 0 && Double.isFinite(momentum))) {
            throw new InvalidArgumentException("Griffin–Lim's momentum must be a finite number ≥ 0, got "
                    + momentum);
        }
    }

    /** A signal of {@code length} samples with the STFT magnitude {@code magnitude} as nearly as the budget allows. */
    public double[] reconstruct(double[][] magnitude, int length, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int frames = magnitude.length;
        int bins = stft.bins();
        double[][] re = new double[frames][bins];
        double[][] im = new double[frames][bins];
        for (int t = 0; t < frames; t++) {
            for (int k = 0; k < bins; k++) {
                double phase = 2 * Math.PI * random.nextDouble();
                re[t][k] = Math.cos(phase);
                im[t][k] = Math.sin(phase);
            }
        }
        Spectrogram estimate = new Spectrogram(re, im).withMagnitude(magnitude);
        Spectrogram previous = null;
        for (int n = 0; n < iterations; n++) {
            Spectrogram projected = stft.forward(stft.inverse(estimate, length));
            Spectrogram steered = previous == null || momentum == 0 ? projected : extrapolate(projected, previous);
            estimate = steered.withMagnitude(magnitude);
            previous = projected;
        }
        return stft.inverse(estimate, length);
    }

    /** ‖ |STFT(x)| − S ‖_F / ‖S‖_F. */
    public static double spectralConvergence(Stft stft, double[] signal, double[][] magnitude) {
        double[][] got = stft.forward(signal).magnitude();
        double error = 0;
        double norm = 0;
        for (int t = 0; t < magnitude.length; t++) {
            for (int k = 0; k < magnitude[t].length; k++) {
                double d = got[t][k] - magnitude[t][k];
                error += d * d;
                norm += magnitude[t][k] * magnitude[t][k];
            }
        }
        return Math.sqrt(error / norm);
    }

    private Spectrogram extrapolate(Spectrogram c, Spectrogram before) {
        double[][] re = new double[c.frames()][c.bins()];
        double[][] im = new double[c.frames()][c.bins()];
        for (int t = 0; t < c.frames(); t++) {
            for (int k = 0; k < c.bins(); k++) {
                re[t][k] = c.re()[t][k] + momentum * (c.re()[t][k] - before.re()[t][k]);
                im[t][k] = c.im()[t][k] + momentum * (c.im()[t][k] - before.im()[t][k]);
            }
        }
        return new Spectrogram(re, im);
    }
}
