package org.diffusion4j.io;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.diffusion4j.InvalidArgumentException;

/**
 * PNG previews of samples, written atomically: a grid of images (values in [−1, 1], gray panels or RGB), or the dots
 * of a 2-D point cloud.
 */
public final class Previews {
    private Previews() {}

    /**
     * Tiles n images of shape (channels, size, size), flattened in {@code values}, into a grid of {@code columns}
     * columns with a 2-pixel gap, each pixel scaled up by {@code zoom}. Three channels are drawn as RGB; any other
     * number as that many gray panels side by side (a complex spectrogram's real and imaginary parts, say).
     */
    public static BufferedImage grid(float[] values, int n, int channels, int size, int columns, int zoom) {
        if (channels < 1) {
            throw new InvalidArgumentException("an image grid needs at least 1 channel, got " + channels);
        }
        if (values.length != (long) n * channels * size * size) {
            throw new InvalidArgumentException("an image grid of " + n + " images of " + channels + " × " + size
                    + " × " + size + " needs " + (long) n * channels * size * size + " values, got " + values.length);
        }
        boolean rgb = channels == 3;
        int panels = rgb ? 1 : channels;
        int rows = (n + columns - 1) / columns;
        int cellHeight = size * zoom + 2;
        int cellWidth = panels * size * zoom + 2;
        BufferedImage image = new BufferedImage(columns * cellWidth + 2, rows * cellHeight + 2,
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, image.getWidth(), image.getHeight());
        g.dispose();
        int plane = size * size;
        for (int k = 0; k < n; k++) {
            int x0 = 2 + (k % columns) * cellWidth;
            int y0 = 2 + (k / columns) * cellHeight;
            for (int panel = 0; panel < panels; panel++) {
                int first = (k * channels + panel) * plane;
                for (int y = 0; y < size; y++) {
                    for (int x = 0; x < size; x++) {
                        int base = first + y * size + x;
                        int r = level(values[base]);
                        int gr = rgb ? level(values[base + plane]) : r;
                        int b = rgb ? level(values[base + 2 * plane]) : r;
                        fill(image, x0 + (panel * size + x) * zoom, y0 + y * zoom, zoom, (r << 16) | (gr << 8) | b);
                    }
                }
            }
        }
        return image;
    }

    private static void fill(BufferedImage image, int x, int y, int zoom, int rgb) {
        for (int dy = 0; dy < zoom; dy++) {
            for (int dx = 0; dx < zoom; dx++) {
                image.setRGB(x + dx, y + dy, rgb);
            }
        }
    }

    /** The 8-bit level of an image value in [−1, 1] (clamped), as every image file of the project writes it. */
    public static int level(float v) {
        return Math.max(0, Math.min(255, Math.round((v + 1) * 127.5f)));
    }

    /** Dots of 2-D points (n × 2, flattened) over the square [−extent, extent]², {@code pixels} wide. */
    public static BufferedImage points(float[] values, double extent, int pixels) {
        BufferedImage image = new BufferedImage(pixels, pixels, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, pixels, pixels);
        g.setColor(new Color(200, 200, 200));
        g.drawLine(pixels / 2, 0, pixels / 2, pixels);
        g.drawLine(0, pixels / 2, pixels, pixels / 2);
        g.setColor(new Color(31, 119, 180, 110));
        for (int i = 0; i + 1 < values.length; i += 2) {
            double px = (values[i] + extent) / (2 * extent) * pixels;
            double py = (extent - values[i + 1]) / (2 * extent) * pixels;
            g.fillOval((int) px - 2, (int) py - 2, 4, 4);
        }
        g.dispose();
        return image;
    }

    /** Writes {@code image} as PNG, atomically. */
    public static void write(BufferedImage image, Path file) {
        AtomicFiles.write(file, out -> {
            if (!ImageIO.write(image, "png", out)) {
                throw new IOException("no PNG writer available");
            }
        });
    }
}
