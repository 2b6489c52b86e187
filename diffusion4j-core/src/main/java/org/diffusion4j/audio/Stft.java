package org.diffusion4j.audio;

import org.diffusion4j.InvalidArgumentException;
import org.jtransforms.fft.DoubleFFT_1D;

/**
 * The short-time Fourier transform with a periodic Hann window of {@code nFft} samples every {@code hop} samples, the
 * signal padded by reflection with nFft/2 samples at each end so frame t is centred on sample t·hop (torch.stft's
 * {@code center=True}); frames = 1 + ⌊length/hop⌋. The inverse overlaps and adds the windowed inverse transforms and
 * divides by the summed squared window (torch.istft), which inverts the forward transform exactly wherever that sum
 * is positive (hop ≤ nFft/2 for Hann). FFTs by JTransforms.
 *
 * @param nFft the window and transform size (even)
 * @param hop samples between frames
 */
public record Stft(int nFft, int hop) {

    public Stft {
        if (nFft < 4 || nFft % 2 != 0) {
            throw new InvalidArgumentException("the STFT size must be even and at least 4, got " + nFft);
        }
        if (hop < 1 || hop > nFft / 2) {
            throw new InvalidArgumentException("the STFT hop must lie in 1 … nFft/2 = " + nFft / 2
                    + " for the inverse to exist, got " + hop);
        }
    }

    /** The periodic Hann window. */
    public double[] window() {
        double[] w = new double[nFft];
        for (int i = 0; i < nFft; i++) {
            w[i] = 0.5 - 0.5 * Math.cos(2 * Math.PI * i / nFft);
        }
        return w;
    }

    /** Frequency bins per frame: nFft/2 + 1. */
    public int bins() {
        return nFft / 2 + 1;
    }

    /** Frames of a signal of {@code length} samples. */
    public int frames(int length) {
        return 1 + length / hop;
    }

    /** The spectrogram of {@code signal} (at least nFft/2 + 1 samples, for the reflection). */
    public Spectrogram forward(double[] signal) {
        int pad = nFft / 2;
        if (signal.length <= pad) {
            throw new InvalidArgumentException("an STFT of size " + nFft + " needs more than " + pad
                    + " samples, got " + signal.length);
        }
        double[] w = window();
        int frames = frames(signal.length);
        double[][] re = new double[frames][bins()];
        double[][] im = new double[frames][bins()];
        DoubleFFT_1D fft = new DoubleFFT_1D(nFft);
        double[] buffer = new double[nFft];
        for (int t = 0; t < frames; t++) {
            for (int i = 0; i < nFft; i++) {
                buffer[i] = reflected(signal, t * hop + i - pad) * w[i];
            }
            fft.realForward(buffer);
            re[t][0] = buffer[0];
            re[t][nFft / 2] = buffer[1];
            for (int k = 1; k < nFft / 2; k++) {
                re[t][k] = buffer[2 * k];
                im[t][k] = buffer[2 * k + 1];
            }
        }
        return new Spectrogram(re, im);
    }

    /** The signal of {@code length} samples whose spectrogram {@code x} is, or the closest one in least squares. */
    public double[] inverse(Spectrogram x, int length) {
        if (x.bins() != bins()) {
            throw new InvalidArgumentException("a spectrogram of " + x.bins() + " bins is not one of an STFT of size "
                    + nFft + " (" + bins() + " bins)");
        }
        int pad = nFft / 2;
        double[] w = window();
        double[] sum = new double[length + 2 * pad + nFft];
        double[] norm = new double[sum.length];
        DoubleFFT_1D fft = new DoubleFFT_1D(nFft);
        double[] buffer = new double[nFft];
        for (int t = 0; t < x.frames(); t++) {
            buffer[0] = x.re()[t][0];
            buffer[1] = x.re()[t][nFft / 2];
            for (int k = 1; k < nFft / 2; k++) {
                buffer[2 * k] = x.re()[t][k];
                buffer[2 * k + 1] = x.im()[t][k];
            }
            fft.realInverse(buffer, true);
            for (int i = 0; i < nFft; i++) {
                sum[t * hop + i] += buffer[i] * w[i];
                norm[t * hop + i] += w[i] * w[i];
            }
        }
        double[] out = new double[length];
        for (int n = 0; n < length; n++) {
            double envelope = norm[n + pad];
            out[n] = envelope > 1e-11 ? sum[n + pad] / envelope : 0;
        }
        return out;
    }

    /** The sample at {@code index} of the signal reflected at both ends (without repeating the edge). */
    private static double reflected(double[] signal, int index) {
        int n = signal.length;
        int period = 2 * (n - 1);
        int i = Math.floorMod(index, period);
        return signal[i < n ? i : period - i];
    }
}
