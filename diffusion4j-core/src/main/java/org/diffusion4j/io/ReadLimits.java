package org.diffusion4j.io;

import org.diffusion4j.InvalidArgumentException;

/**
 * How much a reader of a user file may allocate: every declared size (a header length, shape × dtype, an entry's
 * uncompressed size) is checked against the real file size and against these ceilings before anything is allocated.
 *
 * @param maxDataBytes the most bytes of array data one file may hold (after decompression)
 * @param maxTextBytes the most bytes of a text file (JSON, CSV) or of a binary file's text header
 * @param maxImagePixels the most pixels (width × height, as the image header declares them) one image of an image
 *     folder may have; the decoder allocates the whole raster (up to 8 bytes a pixel) before reading any data, so
 *     this, not the compressed file size, bounds what decoding an image costs
 */
public record ReadLimits(long maxDataBytes, long maxTextBytes, long maxImagePixels) {
    /** System property overriding {@link #maxDataBytes} of {@link #defaults()}, in bytes. */
    public static final String MAX_DATA_BYTES = "d4j.read.maxDataBytes";

    /** System property overriding {@link #maxTextBytes} of {@link #defaults()}, in bytes. */
    public static final String MAX_TEXT_BYTES = "d4j.read.maxTextBytes";

    /** System property overriding {@link #maxImagePixels} of {@link #defaults()}. */
    public static final String MAX_IMAGE_PIXELS = "d4j.read.maxImagePixels";

    /** The default ceiling on array data: 2 GiB − 1, the most one engine array made from Java data can hold. */
    public static final long DEFAULT_DATA_BYTES = Integer.MAX_VALUE;

    /** The default ceiling on text: 64 MiB (a config, sidecar or mixture spec is a few kB). */
    public static final long DEFAULT_TEXT_BYTES = 64L << 20;

    /**
     * The default ceiling on one image's pixels: 4096 × 4096 = 16 Mi (64 MiB decoded as 8-bit RGBA, 128 MiB at 16
     * bits). Training images are 28 × 28 to 1024 × 1024; a 12-megapixel camera photo still fits.
     */
    public static final long DEFAULT_IMAGE_PIXELS = 1L << 24;

    public ReadLimits {
        if (maxDataBytes < 0 || maxDataBytes > Integer.MAX_VALUE || maxTextBytes < 0
                || maxTextBytes > Integer.MAX_VALUE) {
            throw new InvalidArgumentException("read limits must lie in 0 … " + Integer.MAX_VALUE + " bytes, got "
                    + maxDataBytes + " and " + maxTextBytes);
        }
        if (maxImagePixels < 1 || maxImagePixels > Integer.MAX_VALUE) {
            throw new InvalidArgumentException("the image pixel ceiling must lie in 1 … " + Integer.MAX_VALUE
                    + ", got " + maxImagePixels);
        }
    }

    /** Limits on data and text with the default (or system property) image pixel ceiling. */
    public ReadLimits(long maxDataBytes, long maxTextBytes) {
        this(maxDataBytes, maxTextBytes, property(MAX_IMAGE_PIXELS, DEFAULT_IMAGE_PIXELS));
    }

    /**
     * The defaults, or the values of the system properties {@value #MAX_DATA_BYTES}, {@value #MAX_TEXT_BYTES} and
     * {@value #MAX_IMAGE_PIXELS}.
     */
    public static ReadLimits defaults() {
        return new ReadLimits(property(MAX_DATA_BYTES, DEFAULT_DATA_BYTES),
                property(MAX_TEXT_BYTES, DEFAULT_TEXT_BYTES), property(MAX_IMAGE_PIXELS, DEFAULT_IMAGE_PIXELS));
    }

    private static long property(String name, long fallback) {
        String value = System.getProperty(name);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new InvalidArgumentException("system property " + name + " must be a whole number, got '"
                    + value + "'");
        }
    }
}
