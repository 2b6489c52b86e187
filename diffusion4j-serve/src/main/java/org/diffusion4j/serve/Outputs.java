package org.diffusion4j.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.StringJoiner;
import javax.imageio.ImageIO;
import org.diffusion4j.io.Previews;

/** The bytes of a result in each format: a PNG grid, a {@code .npy} array, or JSON with the floats in base64. */
final class Outputs {
    private Outputs() {}

    /** A response body and its content type. */
    record Body(byte[] bytes, String contentType) {}

    static Body encode(Samples samples, String format, SampleSpec spec, ObjectMapper json) {
        return switch (format) {
            case "png" -> new Body(png(samples), "image/png");
            case "npy" -> new Body(npy(samples.values(), samples.shape()), "application/octet-stream");
            case "json" -> new Body(json(samples, spec, json), "application/json");
            default -> throw ApiException.badRequest("format", "unknown format '" + format + "'");
        };
    }

    /** A grid of the images, up to 8 a row, each pixel drawn 2×2. */
    static byte[] png(Samples samples) {
        long[] shape = samples.shape();
        int n = (int) shape[0];
        var image = Previews.grid(samples.values(), n, (int) shape[1], (int) shape[2], Math.min(n, 8), 2);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /**
     * A little-endian float32 {@code .npy} file (format version 1.0: magic, header length, the header dict padded
     * with spaces to a multiple of 64 bytes, then the data in C order).
     */
    static byte[] npy(float[] values, long[] shape) {
        StringJoiner dims = new StringJoiner(", ", "(", shape.length == 1 ? ",)" : ")");
        for (long d : shape) {
            dims.add(Long.toString(d));
        }
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + dims + ", }";
        int unpadded = 10 + dict.length() + 1;
        int padding = (64 - unpadded % 64) % 64;
        String header = dict + " ".repeat(padding) + "\n";
        ByteBuffer buffer = ByteBuffer.allocate(10 + header.length() + 4 * values.length)
                .order(ByteOrder.LITTLE_ENDIAN);
        buffer.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
        buffer.putShort((short) header.length());
        buffer.put(header.getBytes(StandardCharsets.US_ASCII));
        buffer.asFloatBuffer().put(values);
        return buffer.array();
    }

    private static byte[] json(Samples samples, SampleSpec spec, ObjectMapper json) {
        ByteBuffer data = ByteBuffer.allocate(4 * samples.values().length).order(ByteOrder.LITTLE_ENDIAN);
        data.asFloatBuffer().put(samples.values());
        ObjectNode root = json.createObjectNode();
        root.put("model", spec.model().name());
        root.put("sampler", samples.sampler());
        root.put("steps", samples.steps());
        root.put("nfe", samples.evaluations());
        root.put("seed", spec.seed());
        int[] classes = spec.classes();
        if (classes != null) {
            var array = root.putArray("classes");
            for (int c : classes) {
                array.add(c);
            }
        }
        var shape = root.putArray("shape");
        for (long d : samples.shape()) {
            shape.add(d);
        }
        root.put("dtype", "float32");
        root.put("encoding", "base64 of little-endian float32, C order");
        root.put("data", Base64.getEncoder().encodeToString(data.array()));
        root.put("batch_samples", samples.batchSamples());
        try {
            return json.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
