package org.diffusion4j.audio;

import org.diffusion4j.InvalidArgumentException;

/**
 * Band-limited resampling (Smith's windowed-sinc interpolation, as torchaudio's {@code sinc_interp_hann}): output
 * sample j sits at input time τ_j = j·from/to and is Σ_i x[i]·h(τ_j − i) with the low-pass kernel
 * h(u) = c·sinc(c·u)·w(c·u/zeros), c = rolloff·min(1, to/from) the cut-off as a fraction of the input's Nyquist
 * rate, w a Hann window over ±{@code zeros} zero crossings. Downsampling thus removes what lies above the new
 * Nyquist frequency before it can alias. Samples outside the clip count as zeros; the output has ⌈n·to/from⌉ samples.
 *
 * @param zeros zero crossings of the sinc on each side (the kernel's half-width in cut-off periods)
 * @param rolloff the cut-off as a fraction of the lower Nyquist frequency, in (0, 1]
 */
public record Resampler(int zeros, double rolloff) {

    public Resampler {
        if (zeros < 1 || !(rolloff > 0 && rolloff <= 1)) {
            throw new InvalidArgumentException("a resampler needs zeros ≥ 1 and a rolloff in (0, 1], got " + zeros
                    + " and " + rolloff);
        }
    }

    /** torchaudio's defaults: 6 zero crossings, rolloff 0.99. */
    public static Resampler standard() {
        return new Resampler(6, 0.99);
    }

    /** {@code audio} at {@code rate} samples per second, channel by channel; the clip itself at its own rate. */
    public Audio resample(Audio audio, int rate) {
        if (rate < 1) {
            throw new InvalidArgumentException("a sample rate must be positive, got " + rate);
        }
        if (rate == audio.sampleRate()) {
            return audio;
        }
        double[][] out = new double[audio.channels().length][];
        for (int c = 0; c < out.length; c++) {
            out[c] = resample(audio.channels()[c], audio.sampleRate(), rate);
        }
        return new Audio(rate, out);
    }

    /** {@code x}, sampled at {@code from}, resampled to {@code to}. */
    public double[] resample(double[] x, int from, int to) {
        double cutoff = rolloff * Math.min(1.0, (double) to / from);
        double reach = zeros / cutoff;
        int n = (int) Math.ceil((double) x.length * to / from);
        double[] y = new double[n];
        for (int j = 0; j < n; j++) {
            double t = (double) j * from / to;
            int first = Math.max(0, (int) Math.ceil(t - reach));
            int last = Math.min(x.length - 1, (int) Math.floor(t + reach));
            double sum = 0;
            for (int i = first; i <= last; i++) {
                sum += x[i] * kernel(t - i, cutoff);
            }
            y[j] = sum;
        }
        return y;
    }

    private double kernel(double u, double cutoff) {
        double v = cutoff * u;
        if (Math.abs(v) >= zeros) {
            return 0;
        }
        double window = Math.pow(Math.cos(Math.PI * v / (2 * zeros)), 2);
        double sinc = v == 0 ? 1 : Math.sin(Math.PI * v) / (Math.PI * v);
        return cutoff * sinc * window;
    }
}
