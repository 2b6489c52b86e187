package org.diffusion4j.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.diffusion4j.DiffusionException;

/**
 * Named arrays in the safetensors format (readable by Python's {@code safetensors}): written through DJL's codec,
 * read by a bounded reader that checks the whole header (its length, every dtype, shape and byte range, ranges
 * inside the data and not overlapping) against the file size and the {@link ReadLimits} before allocating.
 */
public final class Safetensors {
    /** The dtypes read, by their safetensors names (bfloat16 is left out: casting it aborts this engine). */
    private static final Map<String, DataType> TYPES = Map.of("F64", DataType.FLOAT64, "F32", DataType.FLOAT32,
            "F16", DataType.FLOAT16, "I64", DataType.INT64, "I32", DataType.INT32, "I16", DataType.INT16,
            "I8", DataType.INT8, "U8", DataType.UINT8, "BOOL", DataType.BOOLEAN);

    private Safetensors() {}

    /** One tensor as the header declares it: bytes {@code begin} to {@code end} of the data section. */
    public record Entry(String name, DataType type, Shape shape, long begin, long end) {
        /** The bytes this tensor occupies, and allocates when read. */
        public long bytes() {
            return end - begin;
        }
    }

    /**
     * The checked header of a safetensors file.
     *
     * @param headerBytes the length of the JSON header (read into memory)
     * @param entries the tensors, in the header's order
     */
    public record Layout(long headerBytes, List<Entry> entries) {
        /** The bytes {@link #read} allocates for this file: the header and every tensor; never more than the file. */
        public long allocationBytes() {
            return headerBytes + entries.stream().mapToLong(Entry::bytes).sum();
        }
    }

    /** Writes {@code arrays} (by name), atomically. */
    public static void write(Path file, Map<String, NDArray> arrays) {
        AtomicFiles.write(file, out -> {
            NDList list = new NDList();
            try {
                arrays.forEach((name, array) -> {
                    NDArray copy = array.duplicate();
                    copy.setName(name);
                    list.add(copy);
                });
                list.encode(out, NDList.Encoding.SAFETENSORS);
            } finally {
                list.close();
            }
        });
    }

    /** Reads every array of {@code file} into {@code manager}, by name, under the default {@link ReadLimits}. */
    public static Map<String, NDArray> read(Path file, NDManager manager) {
        return read(file, manager, ReadLimits.defaults());
    }

    /** Reads every array of {@code file} into {@code manager}, by name; allocates {@link Layout#allocationBytes()}. */
    public static Map<String, NDArray> read(Path file, NDManager manager, ReadLimits limits) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            Layout layout = layout(file, channel, limits);
            long data = 8 + layout.headerBytes();
            for (Entry entry : layout.entries()) {
                ByteBuffer bytes = ByteBuffer.allocateDirect((int) entry.bytes()).order(ByteOrder.LITTLE_ENDIAN);
                UserFiles.readFully(channel, bytes, data + entry.begin(), file, "tensor '" + entry.name() + "'");
                bytes.flip();
                NDArray array = manager.create(bytes, entry.shape(), entry.type());
                array.setName(entry.name());
                out.put(entry.name(), array);
            }
            return out;
        } catch (IOException e) {
            out.values().forEach(NDArray::close);
            throw FileAccessException.reading(file, e);
        } catch (RuntimeException e) {
            out.values().forEach(NDArray::close);
            throw e;
        }
    }

    /** The checked header of {@code file}; allocates only the header (at most the file's size). */
    public static Layout layout(Path file, ReadLimits limits) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            return layout(file, channel, limits);
        } catch (IOException e) {
            throw FileAccessException.reading(file, e);
        }
    }

    private static Layout layout(Path file, FileChannel channel, ReadLimits limits) throws IOException {
        long size = UserFiles.size(file);
        if (size < 8) {
            throw new FileFormatException(file, "is " + size + " bytes; a safetensors file starts with an 8-byte "
                    + "header length");
        }
        ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        UserFiles.readFully(channel, length, 0, file, "the header length");
        long headerBytes = length.flip().getLong();
        if (headerBytes < 2 || headerBytes > size - 8) {
            throw new FileFormatException(file, "header length " + Long.toUnsignedString(headerBytes)
                    + " does not fit: the file has " + (size - 8) + " bytes after the 8-byte length");
        }
        if (headerBytes > limits.maxTextBytes()) {
            throw new FileFormatException(file, "header length " + headerBytes + " is over the limit of "
                    + limits.maxTextBytes() + " bytes (system property " + ReadLimits.MAX_TEXT_BYTES + ")");
        }
        ByteBuffer header = ByteBuffer.allocate((int) headerBytes);
        UserFiles.readFully(channel, header, 8, file, "the header");
        header.flip();
        JsonNode root = UserFiles.parseJson(file, "the header", UserFiles.utf8(file, "the header", header));
        if (!root.isObject()) {
            throw new FileFormatException(file, "the header is JSON " + root.getNodeType().toString().toLowerCase()
                    + ", expected an object of tensors");
        }
        long dataBytes = size - 8 - headerBytes;
        List<Entry> entries = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> field = it.next();
            if (!field.getKey().equals("__metadata__")) {
                entries.add(entry(file, field.getKey(), field.getValue(), dataBytes));
            }
        }
        List<Entry> byOffset = new ArrayList<>(entries);
        byOffset.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long total = 0;
        for (int i = 0; i < byOffset.size(); i++) {
            Entry e = byOffset.get(i);
            if (i > 0 && e.begin() < byOffset.get(i - 1).end()) {
                throw new FileFormatException(file, "tensors '" + byOffset.get(i - 1).name() + "' and '" + e.name()
                        + "' overlap (data_offsets " + byOffset.get(i - 1).end() + " > " + e.begin() + ")");
            }
            total += e.bytes();
        }
        UserFiles.checkCeiling(file, "the header", total, limits);
        return new Layout(headerBytes, List.copyOf(entries));
    }

    private static Entry entry(Path file, String name, JsonNode node, long dataBytes) {
        String field = "tensor '" + name + "'";
        if (!node.isObject()) {
            throw new FileFormatException(file, field + " is not a JSON object with dtype, shape and data_offsets");
        }
        JsonNode dtype = node.get("dtype");
        if (dtype == null || !dtype.isTextual()) {
            throw new FileFormatException(file, field + ": dtype missing or not a string");
        }
        DataType type = TYPES.get(dtype.asText());
        if (type == null) {
            throw new FileFormatException(file, field + ": dtype '" + dtype.asText() + "' is not supported; "
                    + "expected one of " + new java.util.TreeSet<>(TYPES.keySet()));
        }
        long[] shape = integers(file, field + ": shape", node.get("shape"), -1);
        long[] offsets = integers(file, field + ": data_offsets", node.get("data_offsets"), 2);
        long expected = UserFiles.arrayBytes(file, field + ": shape", shape, type.getNumOfBytes());
        if (offsets[0] > offsets[1] || offsets[1] > dataBytes) {
            throw new FileFormatException(file, "corrupt or truncated: " + field + ": data_offsets [" + offsets[0]
                    + ", " + offsets[1] + "] do not lie within the " + dataBytes + " data bytes of the file");
        }
        if (offsets[1] - offsets[0] != expected) {
            throw new FileFormatException(file, field + ": shape " + java.util.Arrays.toString(shape) + " of "
                    + dtype.asText() + " needs " + expected + " bytes, data_offsets give " + (offsets[1] - offsets[0]));
        }
        return new Entry(name, type, new Shape(shape), offsets[0], offsets[1]);
    }

    /** A JSON array of non-negative integers (of {@code length}, unless it is −1). */
    private static long[] integers(Path file, String field, JsonNode node, int length) {
        if (node == null || !node.isArray() || (length >= 0 && node.size() != length) || node.size() > 64) {
            throw new FileFormatException(file, field + " missing or not an array of "
                    + (length >= 0 ? length + " " : "at most 64 ") + "integers");
        }
        long[] values = new long[node.size()];
        for (int i = 0; i < values.length; i++) {
            JsonNode v = node.get(i);
            if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < 0) {
                throw new FileFormatException(file, field + "[" + i + "] is " + v + ", expected a non-negative "
                        + "integer");
            }
            values[i] = v.asLong();
        }
        return values;
    }

    /**
     * Reads every array of a safetensors stream into {@code manager}, by name: a file shipped in the library's
     * resources, read where it lies (nothing is unpacked to disk); {@code source} names it in errors.
     */
    public static Map<String, NDArray> read(InputStream in, String source, NDManager manager) {
        NDList list;
        try {
            list = NDList.decode(manager, in);
        } catch (RuntimeException e) {
            throw new DiffusionException(source + ": corrupt or truncated safetensors (" + e.getMessage() + ")", e);
        }
        if (list == null) {
            throw new DiffusionException(source + ": not a safetensors file");
        }
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (NDArray array : list) {
            out.put(array.getName(), array);
        }
        return out;
    }
}
