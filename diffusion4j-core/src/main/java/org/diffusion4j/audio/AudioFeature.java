package org.diffusion4j.audio;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.SpecOptions;

/**
 * How a clip of a fixed length becomes an image a diffusion model learns (EDMSound's spectrogram domain) and how an
 * image becomes a clip again. Each image is square, (channels, size, size): frequency along the rows (row 0 the
 * lowest), frames along the columns, values of order one.
 */
public sealed interface AudioFeature {

    /** Samples per second of the clips. */
    int sampleRate();

    /** Samples per clip; a clip is {@code SpokenDigits.fit} to it first. */
    int length();

    /** The image shape (channels, size, size). */
    List<Integer> shape();

    /** The image of a clip of {@link #length} samples, channel by channel, row by row. */
    float[] encode(double[] clip);

    /** A clip of {@link #length} samples from an image; {@code seed} drives any random start (Griffin–Lim's). */
    double[] decode(float[] image, long seed);

    /** The spec this feature is written as in configs: {@code mel:…} or {@code complex:…}. */
    String spec();

    /**
     * A log-mel spectrogram scaled to [−1, 1]: x = 2·(ln max(P, floor) − ln floor)/(ln ceiling − ln floor) − 1 for the
     * mel power P of each band and frame, {@code mels} bands (HTK scale, equal-area filters, 0 Hz … Nyquist) and as
     * many frames. Decoding clips values to [−1, 1] (as pixels are clipped to their range; a sample off the scale would
     * otherwise decode to an unbounded power), inverts the scaling, recovers the linear power spectrum by non-negative
     * least squares against the filters (projected gradient, as librosa's {@code mel_to_stft}) and the phase by fast
     * Griffin–Lim (momentum 0.99).
     *
     * @param sampleRate samples per second
     * @param nFft STFT size
     * @param hop STFT hop; frames(length) must equal {@code mels}
     * @param mels mel bands, the image's size
     * @param length samples per clip
     * @param floor the smallest mel power kept (maps to −1)
     * @param ceiling the mel power that maps to +1 (louder bands encode above 1 and decode as the ceiling)
     * @param iterations Griffin–Lim iterations when decoding
     */
    record LogMel(int sampleRate, int nFft, int hop, int mels, int length, double floor, double ceiling,
            int iterations) implements AudioFeature {

        public LogMel {
            Stft stft = checkedStft(nFft, hop, length, mels, "mel");
            if (sampleRate < 1 || mels < 2 || mels > stft.bins()) {
                throw new InvalidArgumentException("mel: needs a positive sample rate and 2 … " + stft.bins()
                        + " bands, got " + sampleRate + " Hz and " + mels);
            }
            if (!(floor > 0 && ceiling > floor && Double.isFinite(ceiling))) {
                throw new InvalidArgumentException("mel: needs 0 < floor < ceiling, got floor " + floor
                        + ", ceiling " + ceiling);
            }
            if (iterations < 0) {
                throw new InvalidArgumentException("mel: Griffin–Lim iterations must be ≥ 0, got " + iterations);
            }
        }

        @Override
        public List<Integer> shape() {
            return List.of(1, mels, mels);
        }

        /** The mel filters, {@code [mels][nFft/2 + 1]}. */
        public double[][] filters() {
            return new MelFilterbank("htk", true).filters(sampleRate, nFft, mels, 0, sampleRate / 2.0);
        }

        @Override
        public float[] encode(double[] clip) {
            checkLength(clip, length);
            double[][] logMel = new MelSpectrogram(new Stft(nFft, hop), filters(), floor).logMel(clip);
            double low = Math.log(floor);
            double range = Math.log(ceiling) - low;
            float[] out = new float[mels * mels];
            for (int m = 0; m < mels; m++) {
                for (int t = 0; t < mels; t++) {
                    out[m * mels + t] = (float) (2 * (logMel[m][t] - low) / range - 1);
                }
            }
            return out;
        }

        @Override
        public double[] decode(float[] image, long seed) {
            checkImage(image, mels * mels);
            double low = Math.log(floor);
            double range = Math.log(ceiling) - low;
            double[][] melPower = new double[mels][mels];
            for (int m = 0; m < mels; m++) {
                for (int t = 0; t < mels; t++) {
                    double x = Math.max(-1, Math.min(1, image[m * mels + t]));
                    melPower[m][t] = Math.exp((x + 1) / 2 * range + low);
                }
            }
            double[][] power = MelSpectrogram.linearPower(filters(), melPower);
            double[][] magnitude = new double[mels][power[0].length];
            for (int t = 0; t < mels; t++) {
                for (int k = 0; k < magnitude[t].length; k++) {
                    magnitude[t][k] = Math.sqrt(power[t][k]);
                }
            }
            return new GriffinLim(new Stft(nFft, hop), iterations, 0.99).reconstruct(magnitude, length, seed);
        }

        @Override
        public String spec() {
            return "mel:rate=" + sampleRate + ",n_fft=" + nFft + ",hop=" + hop + ",mels=" + mels + ",length=" + length
                    + ",floor=" + floor + ",ceiling=" + ceiling + ",iterations=" + iterations;
        }
    }

    /**
     * A complex STFT with EDMSound's (SGMSE+'s) power-law amplitude compression, c̃ = β·|c|^α·e^{i∠c}, as two channels
     * (real, imaginary); bins 0 … nFft/2 − 1 (the Nyquist bin is dropped and decodes as 0) and as many frames, so the
     * image is (2, nFft/2, nFft/2). Decoding undoes the compression and inverts the STFT exactly.
     *
     * @param sampleRate samples per second
     * @param nFft STFT size; nFft/2 is the image's size
     * @param hop STFT hop; frames(length) must equal nFft/2
     * @param length samples per clip
     * @param exponent α in (0, 1]
     * @param scale β &gt; 0
     */
    record Complex(int sampleRate, int nFft, int hop, int length, double exponent, double scale)
            implements AudioFeature {

        public Complex {
            checkedStft(nFft, hop, length, nFft / 2, "complex");
            if (sampleRate < 1) {
                throw new InvalidArgumentException("complex: needs a positive sample rate, got " + sampleRate);
            }
            if (!(exponent > 0 && exponent <= 1 && scale > 0 && Double.isFinite(scale))) {
                throw new InvalidArgumentException("complex: needs 0 < exponent ≤ 1 and scale > 0, got exponent "
                        + exponent + ", scale " + scale);
            }
        }

        @Override
        public List<Integer> shape() {
            return List.of(2, nFft / 2, nFft / 2);
        }

        @Override
        public float[] encode(double[] clip) {
            checkLength(clip, length);
            Spectrogram s = new Stft(nFft, hop).forward(clip);
            int size = nFft / 2;
            float[] out = new float[2 * size * size];
            for (int k = 0; k < size; k++) {
                for (int t = 0; t < size; t++) {
                    double re = s.re()[t][k];
                    double im = s.im()[t][k];
                    double norm = Math.hypot(re, im);
                    double gain = norm == 0 ? 0 : scale * Math.pow(norm, exponent) / norm;
                    out[k * size + t] = (float) (gain * re);
                    out[size * size + k * size + t] = (float) (gain * im);
                }
            }
            return out;
        }

        @Override
        public double[] decode(float[] image, long seed) {
            int size = nFft / 2;
            checkImage(image, 2 * size * size);
            double[][] re = new double[size][size + 1];
            double[][] im = new double[size][size + 1];
            for (int k = 0; k < size; k++) {
                for (int t = 0; t < size; t++) {
                    double a = image[k * size + t];
                    double b = image[size * size + k * size + t];
                    double compressed = Math.hypot(a, b);
                    double gain = compressed == 0 ? 0 : Math.pow(compressed / scale, 1 / exponent) / compressed;
                    re[t][k] = gain * a;
                    im[t][k] = gain * b;
                }
            }
            return new Stft(nFft, hop).inverse(new Spectrogram(re, im), length);
        }

        @Override
        public String spec() {
            return "complex:rate=" + sampleRate + ",n_fft=" + nFft + ",hop=" + hop + ",length=" + length
                    + ",exponent=" + exponent + ",scale=" + scale;
        }
    }

    /**
     * The feature {@code spec} describes: {@code mel[:rate=8000,n_fft=256,hop=128,mels=32,length=4032,floor=1e-5,
     * ceiling=100,iterations=64]} or {@code complex[:rate=8000,n_fft=128,hop=64,length=4032,exponent=0.5,scale=1]};
     * unknown names and options are errors that list the known ones.
     */
    static AudioFeature parse(String spec) {
        Map<String, Function<SpecOptions, AudioFeature>> byName = new LinkedHashMap<>();
        byName.put("mel", o -> new LogMel(o.integer("rate", 8000), o.integer("n_fft", 256), o.integer("hop", 128),
                o.integer("mels", 32), o.integer("length", 4032), o.number("floor", 1e-5),
                o.number("ceiling", 100), o.integer("iterations", 64)));
        byName.put("complex", o -> new Complex(o.integer("rate", 8000), o.integer("n_fft", 128),
                o.integer("hop", 64), o.integer("length", 4032), o.number("exponent", 0.5), o.number("scale", 1)));
        return SpecOptions.create("audio feature", spec, byName);
    }

    private static Stft checkedStft(int nFft, int hop, int length, int size, String kind) {
        Stft stft = new Stft(nFft, hop);
        if (length <= nFft / 2 || stft.frames(length) != size) {
            throw new InvalidArgumentException(kind + ": a square image of " + size + " frames needs a length L with "
                    + "1 + ⌊L/hop⌋ = " + size + " (L in " + (size - 1) * hop + " … " + (size * hop - 1) + " for hop "
                    + hop + "), got " + length);
        }
        return stft;
    }

    private static void checkLength(double[] clip, int length) {
        if (clip.length != length) {
            throw new InvalidArgumentException("this audio feature takes clips of " + length + " samples, got "
                    + clip.length + " (fit the clip first)");
        }
    }

    private static void checkImage(float[] image, int size) {
        if (image.length != size) {
            throw new InvalidArgumentException("this audio feature decodes images of " + size + " values, got "
                    + image.length);
        }
    }
}
