package org.diffusion4j.data;

import ai.djl.ndarray.types.Shape;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.diffusion4j.DiffusionException;
import org.diffusion4j.io.FileAccessException;
import org.diffusion4j.io.FileFormatException;
import org.diffusion4j.io.ReadLimits;

/**
 * A folder of PNG/JPEG images, one subfolder per class (sorted by name: label 0, 1, …), or images directly in the
 * folder (one class). Images are converted to gray or RGB, resized to a square resolution with bilinear filtering
 * and scaled to [−1, 1].
 */
public final class ImageFolder {
    private ImageFolder() {}

    /** Loads every image under {@code dir} under the default {@link ReadLimits}. */
    public static ImageSet load(Path dir, int channels, int resolution) {
        return load(dir, channels, resolution, ReadLimits.defaults());
    }

    /**
     * Loads every image under {@code dir}; each image's declared width × height is checked against
     * {@link ReadLimits#maxImagePixels()} before it is decoded.
     */
    public static ImageSet load(Path dir, int channels, int resolution, ReadLimits limits) {
        if (channels != 1 && channels != 3) {
            throw new DiffusionException("image channels must be 1 or 3, got " + channels);
        }
        if (!Files.isDirectory(dir)) {
            throw new FileFormatException(dir, "no such image folder");
        }
        List<Path> classes = list(dir, Files::isDirectory);
        List<Path> images = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        if (classes.isEmpty()) {
            list(dir, ImageFolder::isImage).forEach(p -> {
                images.add(p);
                labels.add(0);
            });
        } else {
            for (int c = 0; c < classes.size(); c++) {
                for (Path p : list(classes.get(c), ImageFolder::isImage)) {
                    images.add(p);
                    labels.add(c);
                }
            }
        }
        if (images.isEmpty()) {
            throw new FileFormatException(dir, "holds no .png or .jpg images (directly or in class subfolders)");
        }
        int per = channels * resolution * resolution;
        float[] values = new float[images.size() * per];
        for (int i = 0; i < images.size(); i++) {
            BufferedImage image = read(images.get(i), limits);
            BufferedImage scaled = new BufferedImage(resolution, resolution, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = scaled.createGraphics();
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.drawImage(image, 0, 0, resolution, resolution, null);
            g.dispose();
            for (int y = 0; y < resolution; y++) {
                for (int x = 0; x < resolution; x++) {
                    int rgb = scaled.getRGB(x, y);
                    int r = (rgb >> 16) & 0xff;
                    int gr = (rgb >> 8) & 0xff;
                    int b = rgb & 0xff;
                    int base = i * per + y * resolution + x;
                    if (channels == 1) {
                        values[base] = (0.299f * r + 0.587f * gr + 0.114f * b) / 127.5f - 1;
                    } else {
                        int plane = resolution * resolution;
                        values[base] = r / 127.5f - 1;
                        values[base + plane] = gr / 127.5f - 1;
                        values[base + 2 * plane] = b / 127.5f - 1;
                    }
                }
            }
        }
        return new ImageSet(values, labels.stream().mapToInt(Integer::intValue).toArray(),
                new Shape(channels, resolution, resolution), classes.isEmpty() ? 0 : classes.size(),
                "folder:" + dir);
    }

    /**
     * One image file at its own size, as a set of one image shaped (channels, height, width) with values in [−1, 1]:
     * 1 channel for a gray image, 3 for a colour one (alpha is dropped), {@code name} the file.
     */
    public static ImageSet readOne(Path file, ReadLimits limits) {
        BufferedImage image = read(file, limits);
        int channels = image.getColorModel().getNumColorComponents() == 1 ? 1 : 3;
        int width = image.getWidth();
        int height = image.getHeight();
        int plane = width * height;
        float[] values = new float[channels * plane];
        java.awt.image.Raster raster = image.getRaster();
        double max = (1L << image.getColorModel().getComponentSize(0)) - 1;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                if (channels == 1) {
                    values[y * width + x] = (float) (2 * raster.getSample(x, y, 0) / max - 1);
                } else {
                    int rgb = image.getRGB(x, y);
                    values[y * width + x] = ((rgb >> 16) & 0xff) / 127.5f - 1;
                    values[plane + y * width + x] = ((rgb >> 8) & 0xff) / 127.5f - 1;
                    values[2 * plane + y * width + x] = (rgb & 0xff) / 127.5f - 1;
                }
            }
        }
        return new ImageSet(values, new int[1], new Shape(channels, height, width), 0, file.toString());
    }

    /** Decodes {@code file} after checking the size its header declares against the pixel ceiling. */
    private static BufferedImage read(Path file, ReadLimits limits) {
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                throw new FileFormatException(file, "not a readable image (no PNG or JPEG decoder recognizes it)");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                long width = reader.getWidth(0);
                long height = reader.getHeight(0);
                if (width < 1 || height < 1 || width * height > limits.maxImagePixels()) {
                    throw new FileFormatException(file, "declares " + width + " × " + height + " pixels ("
                            + width * height + "); an image of a folder dataset may have at most "
                            + limits.maxImagePixels() + " (system property " + ReadLimits.MAX_IMAGE_PIXELS + ")");
                }
                return reader.read(0);
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof FileFormatException f) {
                throw f;
            }
            throw new FileFormatException(file, "cannot be read as an image (" + e.getMessage() + ")", e);
        }
    }

    private static boolean isImage(Path p) {
        String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return Files.isRegularFile(p) && (name.endsWith(".png") || name.endsWith(".jpg") || name.endsWith(".jpeg"));
    }

    private static List<Path> list(Path dir, java.util.function.Predicate<Path> keep) {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.filter(keep).sorted().toList();
        } catch (IOException e) {
            throw FileAccessException.reading(dir, e);
        }
    }
}
