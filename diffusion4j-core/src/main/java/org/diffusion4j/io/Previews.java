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
 * PNG previews of samples, written atomically: a grid of images (values in [−1, 1], gray or RGB), or the dots of a
 * 2-D point cloud.
 */
public final class Previews {
    private Previews() {}

    /**
     * Tiles n images of shape (channels, size, size), flattened in {@code values}, into a grid of {@code columns}
     * columns with a 2-pixel gap, each pixel scaled up by {@code zoom}.
     */
    public static BufferedImage grid(float[] values, int n, int channels, int size, int columns, int zoom) {
        if (channels != 1 && channels != 3) {
            throw new InvalidArgumentException("an image grid needs 1 or 3 channels, got " + channels);
        }
        int rows = (n + columns - 1) / columns;
        int cell = size * zoom + 2;
        BufferedImage image = new BufferedImage(columns * cell + 2, rows * cell + 2, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, image.getWidth(), image.getHeight());
        g.dispose();
        int plane = size * size;
        for (int k = 0; k < n; k++) {
            int x0 = 2 + (k % columns) * cell;
            int y0 = 2 + (k / columns) * cell;
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    int base = k * channels * plane + y * size + x;
                    int r = level(values[base]);
                    int gr = channels == 1 ? r : level(values[base + plane]);
                    int b = channels == 1 ? r : level(values[base + 2 * plane]);
                    int rgb = (r << 16) | (gr << 8) | b;
                    for (int dy = 0; dy < zoom; dy++) {
                        for (int dx = 0; dx < zoom; dx++) {
                            image.setRGB(x0 + x * zoom + dx, y0 + y * zoom + dy, rgb);
                        }
                    }
                }
            }
        }
        return image;
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
