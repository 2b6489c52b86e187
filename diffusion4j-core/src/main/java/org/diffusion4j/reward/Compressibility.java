package org.diffusion4j.reward;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.io.Previews;

/**
 * Compressibility (DDPO's reward, with PNG in place of JPEG): minus the size in kilobytes of the sample written as
 * an 8-bit PNG (grey for one channel, RGB for three), so smaller files score higher. Values map from [−1, 1] to
 * 0 … 255 as in the project's image files.
 */
record Compressibility() implements Reward {

    @Override
    public String spec() {
        return "compressibility";
    }

    @Override
    public double[] score(NDArray samples, int[] classes) {
        long[] shape = samples.getShape().getShape();
        if (shape.length != 4 || (shape[1] != 1 && shape[1] != 3)) {
            throw new InvalidArgumentException("the compressibility reward scores images of 1 or 3 channels (n × C × "
                    + "H × W), got samples of shape " + samples.getShape());
        }
        float[] v = samples.toType(DataType.FLOAT32, false).toFloatArray();
        int n = (int) shape[0];
        int channels = (int) shape[1];
        int height = (int) shape[2];
        int width = (int) shape[3];
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = -pngBytes(v, i * channels * height * width, channels, height, width) / 1000.0;
        }
        return out;
    }

    /** The size of one image (at {@code offset} in {@code v}, channels first) as an 8-bit PNG. */
    static int pngBytes(float[] v, int offset, int channels, int height, int width) {
        BufferedImage image = new BufferedImage(width, height, channels == 1 ? BufferedImage.TYPE_BYTE_GRAY
                : BufferedImage.TYPE_3BYTE_BGR);
        WritableRaster raster = image.getRaster();
        int plane = height * width;
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    raster.setSample(x, y, c, Previews.level(v[offset + c * plane + y * width + x]));
                }
            }
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.size();
    }
}
