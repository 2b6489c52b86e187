package org.diffusion4j.audio;

/**
 * A complex spectrogram: {@code re[t][k]}, {@code im[t][k]} for frame t and frequency bin k (0 … n_fft/2).
 *
 * @param re real parts
 * @param im imaginary parts
 */
public record Spectrogram(double[][] re, double[][] im) {

    /** Frames. */
    public int frames() {
        return re.length;
    }

    /** Frequency bins. */
    public int bins() {
        return re.length == 0 ? 0 : re[0].length;
    }

    /** |X|. */
    public double[][] magnitude() {
        double[][] out = new double[frames()][bins()];
        for (int t = 0; t < frames(); t++) {
            for (int k = 0; k < bins(); k++) {
                out[t][k] = Math.hypot(re[t][k], im[t][k]);
            }
        }
        return out;
    }

    /** {@code magnitude}·e^{iφ} with the phases φ of this spectrogram (phase 0 where it is 0). */
    public Spectrogram withMagnitude(double[][] magnitude) {
        double[][] r = new double[frames()][bins()];
        double[][] i = new double[frames()][bins()];
        for (int t = 0; t < frames(); t++) {
            for (int k = 0; k < bins(); k++) {
                double norm = Math.hypot(re[t][k], im[t][k]);
                r[t][k] = norm == 0 ? magnitude[t][k] : magnitude[t][k] * re[t][k] / norm;
                i[t][k] = norm == 0 ? 0 : magnitude[t][k] * im[t][k] / norm;
            }
        }
        return new Spectrogram(r, i);
    }
}
