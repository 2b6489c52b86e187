package org.diffusion4j.nn;

import org.diffusion4j.backend.NativeArrays;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;

/**
 * Embeds the noise label c_noise (one per sample) as sines and cosines: "positional" with frequencies
 * (1/10000)^{i/n} (Vaswani et al. 2017; DDPM++ and EDM), or "fourier" with fixed random Gaussian frequencies
 * (Tancik et al. 2020; NCSN++), the better choice for small MLPs.
 */
public final class NoiseEmbedding {
    private final double[] frequencies;

    private NoiseEmbedding(double[] frequencies) {
        this.frequencies = frequencies;
    }

    /** {@code channels} outputs (even), positional frequencies. */
    public static NoiseEmbedding positional(int channels) {
        int half = channels / 2;
        double[] f = new double[half];
        for (int i = 0; i < half; i++) {
            f[i] = Math.pow(1e-4, (double) i / half);
        }
        return new NoiseEmbedding(f);
    }

    /** {@code channels} outputs (even), frequencies 2π·N(0, scale²) from a fixed seed. */
    public static NoiseEmbedding fourier(int channels, double scale) {
        SplittableRandom random = new SplittableRandom(0x5eed);
        double[] f = new double[channels / 2];
        for (int i = 0; i < f.length; i++) {
            f[i] = 2 * Math.PI * scale * random.nextGaussian();
        }
        return new NoiseEmbedding(f);
    }

    /** The frequencies f (channels/2 of them), as computed: the fixed part another framework needs to rebuild it. */
    public double[] frequencies() {
        return frequencies.clone();
    }

    /** Number of outputs. */
    public int channels() {
        return 2 * frequencies.length;
    }

    /** [cos(c·f), sin(c·f)] for c of shape (B): shape (B, channels). */
    public NDArray apply(NDArray noiseLabel) {
        NDArray f = NativeArrays.of(noiseLabel.getManager(), frequencies, new Shape(1, frequencies.length),
                noiseLabel.getDataType());
        NDArray arguments = noiseLabel.reshape(-1, 1).mul(f);
        return arguments.cos().concat(arguments.sin(), 1);
    }
}
