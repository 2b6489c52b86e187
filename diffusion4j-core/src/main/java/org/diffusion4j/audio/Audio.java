package org.diffusion4j.audio;

import org.diffusion4j.InvalidArgumentException;

/**
 * A clip: samples in [−1, 1] (a 16-bit value v is v/32768) per channel, at {@code sampleRate} samples per second.
 *
 * @param sampleRate samples per second
 * @param channels one array per channel, all of one length
 */
public record Audio(int sampleRate, double[][] channels) {

    public Audio {
        if (sampleRate < 1) {
            throw new InvalidArgumentException("a clip's sample rate must be positive, got " + sampleRate);
        }
        if (channels.length == 0) {
            throw new InvalidArgumentException("a clip needs at least one channel");
        }
        for (double[] channel : channels) {
            if (channel.length != channels[0].length) {
                throw new InvalidArgumentException("a clip's channels must have one length, got " + channel.length
                        + " and " + channels[0].length);
            }
        }
    }

    /** A mono clip. */
    public static Audio mono(int sampleRate, double[] samples) {
        return new Audio(sampleRate, new double[][] {samples});
    }

    /** Samples per channel. */
    public int length() {
        return channels[0].length;
    }

    /** Seconds. */
    public double seconds() {
        return (double) length() / sampleRate;
    }

    /** The channels' mean, sample by sample. */
    public double[] mixedDown() {
        if (channels.length == 1) {
            return channels[0].clone();
        }
        double[] out = new double[length()];
        for (double[] channel : channels) {
            for (int i = 0; i < out.length; i++) {
                out[i] += channel[i] / channels.length;
            }
        }
        return out;
    }
}
