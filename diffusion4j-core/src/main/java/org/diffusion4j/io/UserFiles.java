package org.diffusion4j.io;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The bounded reading layer for files a user hands in: every reader of a user file format (safetensors, npy/npz,
 * IDX, JSON, CSV) gets its bytes, sizes and text through here. Sizes are checked against the real file size and
 * the {@link ReadLimits} before anything is allocated; text must be UTF-8; every failure is a
 * {@link FileFormatException} or a {@link FileAccessException} naming the file and, where there is one, the field.
 */
public final class UserFiles {
    /** Jackson with duplicate keys refused (a file with two "shape"s is corrupt, not "the last one wins"). */
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).build();

    private UserFiles() {}

    /** The size of {@code file}, which must be a regular file. */
    public static long size(Path file) {
        if (Files.isDirectory(file)) {
            throw new FileFormatException(file, "is a directory, expected a file");
        }
        if (!Files.isRegularFile(file)) {
            throw new FileFormatException(file, "no such file");
        }
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw FileAccessException.reading(file, e);
        }
    }

    /** The whole of {@code file} as UTF-8 text, at most {@link ReadLimits#maxTextBytes()} bytes. */
    public static String readText(Path file, ReadLimits limits) {
        long size = size(file);
        if (size > limits.maxTextBytes()) {
            throw new FileFormatException(file, "is " + size + " bytes; a text file may have at most "
                    + limits.maxTextBytes() + " (system property " + ReadLimits.MAX_TEXT_BYTES + ")");
        }
        ByteBuffer bytes = ByteBuffer.allocate((int) size);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            readFully(channel, bytes, 0, file, "the text");
        } catch (IOException e) {
            throw FileAccessException.reading(file, e);
        }
        bytes.flip();
        return utf8(file, "the file", bytes);
    }

    /** {@link #readText(Path, ReadLimits)} with the {@link ReadLimits#defaults() default limits}. */
    public static String readText(Path file) {
        return readText(file, ReadLimits.defaults());
    }

    /** The JSON document in {@code file} (UTF-8, no duplicate keys), at most {@link ReadLimits#maxTextBytes()}. */
    public static JsonNode readJson(Path file, ReadLimits limits) {
        return parseJson(file, "the file", readText(file, limits));
    }

    /** {@link #readJson(Path, ReadLimits)} with the default limits. */
    public static JsonNode readJson(Path file) {
        return readJson(file, ReadLimits.defaults());
    }

    /** Parses {@code text} from {@code part} of {@code file} as one JSON document; errors give line and column. */
    static JsonNode parseJson(Path file, String part, String text) {
        try {
            JsonNode root = JSON.readTree(text);
            if (root == null || root.isMissingNode()) {
                throw new FileFormatException(file, part + " is empty; expected JSON");
            }
            return root;
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            throw new FileFormatException(file, part + " is not valid JSON" + where + ": " + e.getOriginalMessage(), e);
        }
    }

    /** Decodes {@code bytes} as strict UTF-8; a bad byte is reported with its offset. A leading BOM is dropped. */
    static String utf8(Path file, String part, ByteBuffer bytes) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        int start = bytes.position();
        CharBuffer out = CharBuffer.allocate(bytes.remaining());
        CoderResult result = decoder.decode(bytes, out, true);
        if (result.isError()) {
            throw new FileFormatException(file, part + " is not UTF-8 text (invalid byte 0x"
                    + String.format("%02x", bytes.get(bytes.position()) & 0xff) + " at byte " + (bytes.position()
                    - start) + ")");
        }
        decoder.flush(out);
        out.flip();
        String text = out.toString();
        return text.startsWith("\uFEFF") ? text.substring(1) : text;
    }

    /**
     * Reads {@code target.remaining()} bytes at {@code position} of {@code channel}, or fails naming {@code what}
     * as truncated.
     */
    static void readFully(FileChannel channel, ByteBuffer target, long position, Path file, String what)
            throws IOException {
        long at = position;
        while (target.hasRemaining()) {
            int read = channel.read(target, at);
            if (read < 0) {
                throw new FileFormatException(file, "truncated: " + what + " ends at byte " + at + " of "
                        + channel.size());
            }
            at += read;
        }
    }

    /**
     * The bytes of an array of {@code shape} with {@code itemSize}-byte items, or a {@link FileFormatException}
     * naming {@code field} when a dimension is negative or the product overflows.
     */
    static long arrayBytes(Path file, String field, long[] shape, int itemSize) {
        long bytes = itemSize;
        for (long d : shape) {
            if (d < 0) {
                throw new FileFormatException(file, field + " has a negative dimension " + d);
            }
            try {
                bytes = Math.multiplyExact(bytes, d);
            } catch (ArithmeticException e) {
                throw new FileFormatException(file, field + " " + java.util.Arrays.toString(shape)
                        + " declares more than 2^63 bytes");
            }
        }
        return bytes;
    }

    /** Fails unless {@code declared} bytes fit under the data ceiling of {@code limits}. */
    static void checkCeiling(Path file, String field, long declared, ReadLimits limits) {
        if (declared > limits.maxDataBytes()) {
            throw new FileFormatException(file, field + " declares " + declared + " bytes of data; at most "
                    + limits.maxDataBytes() + " are read (system property " + ReadLimits.MAX_DATA_BYTES + ")");
        }
    }
}
