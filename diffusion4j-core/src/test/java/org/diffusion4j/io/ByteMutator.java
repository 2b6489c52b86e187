package org.diffusion4j.io;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Random damage to a valid file, for fuzzing the readers. One mutation is one of:
 * <ul>
 *   <li>a bit flipped;</li>
 *   <li>a run of 1 to 16 bytes overwritten with random bytes;</li>
 *   <li>the file cut short;</li>
 *   <li>1 to 32 random bytes inserted or appended;</li>
 *   <li>a binary length, count or offset field (2, 4 or 8 bytes, either byte order) overwritten with an extreme value
 *       ({@link #EXTREME_VALUES}: 0, −1, 2³¹ − 16, 2⁶³ − 1, …);</li>
 *   <li>a number in a text header (a JSON shape or offset, a .npy header's shape) replaced by an extreme one
 *       ({@link #EXTREME_NUMBERS}) or made up to 12 digits longer.</li>
 * </ul>
 * Positions favour the start of the file, where the headers are (safetensors' 8-byte header length, .npy's magic and
 * header length, IDX's magic and counts), and its last 64 bytes (a zip's central directory). Every mutation is
 * described in {@link #applied()}, for failure messages. All choices come from the given random, so a seed replays.
 */
final class ByteMutator {
    /** Written into binary fields: empty, one, negative, around the int range and past it, the largest long. */
    static final long[] EXTREME_VALUES = {0, 1, -1, Integer.MAX_VALUE, (1L << 31) - 16, 1L << 31, 1L << 32,
        1L << 40, Long.MAX_VALUE, Long.MIN_VALUE};
    /** Written in place of numbers in text headers. */
    static final String[] EXTREME_NUMBERS = {"0", "-1", "2147483632", "2147483647", "4294967296",
        "9223372036854775807", "18446744073709551616", "1e308", "-0.5"};

    private final SplittableRandom random;
    private final List<String> applied = new ArrayList<>();

    ByteMutator(SplittableRandom random) {
        this.random = random;
    }

    /** What the mutations so far did, in order. */
    List<String> applied() {
        return applied;
    }

    /** {@code valid} (left unchanged) with one to four mutations. */
    byte[] mutate(byte[] valid) {
        byte[] bytes = valid.clone();
        int count = 1 + random.nextInt(4);
        for (int i = 0; i < count; i++) {
            bytes = mutateOnce(bytes);
        }
        return bytes;
    }

    private byte[] mutateOnce(byte[] bytes) {
        if (bytes.length == 0) {
            return insertRandomBytes(bytes);
        }
        return switch (random.nextInt(8)) {
            case 0 -> flipBit(bytes);
            case 1 -> overwriteWithRandomRun(bytes);
            case 2 -> truncate(bytes);
            case 3 -> insertRandomBytes(bytes);
            case 4, 5 -> overwriteBinaryField(bytes);
            default -> overwriteNumberInText(bytes);
        };
    }

    /** Up to {@code maxLength} random bytes; one time in ten at most 8 (empty and tiny files). */
    static byte[] arbitraryBytes(SplittableRandom random, int maxLength) {
        int length = random.nextInt(10) == 0 ? random.nextInt(9) : random.nextInt(maxLength + 1);
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    /** A position in a file of {@code length} > 0 bytes: a third in the first 24, a sixth in the last 64. */
    private int position(int length) {
        return switch (random.nextInt(6)) {
            case 0, 1 -> random.nextInt(Math.min(length, 24));
            case 2 -> length - 1 - random.nextInt(Math.min(length, 64));
            default -> random.nextInt(length);
        };
    }

    private byte[] flipBit(byte[] bytes) {
        int at = position(bytes.length);
        int bit = random.nextInt(8);
        bytes[at] ^= (byte) (1 << bit);
        applied.add("bit " + bit + " of byte " + at + " flipped");
        return bytes;
    }

    private byte[] overwriteWithRandomRun(byte[] bytes) {
        int at = position(bytes.length);
        int run = Math.min(1 + random.nextInt(16), bytes.length - at);
        for (int i = 0; i < run; i++) {
            bytes[at + i] = (byte) random.nextInt(256);
        }
        applied.add(run + " random bytes at " + at);
        return bytes;
    }

    private byte[] truncate(byte[] bytes) {
        int length = position(bytes.length);
        applied.add("cut to " + length + " bytes");
        return java.util.Arrays.copyOf(bytes, length);
    }

    private byte[] insertRandomBytes(byte[] bytes) {
        int at = bytes.length == 0 || random.nextInt(4) == 0 ? bytes.length : position(bytes.length);
        byte[] inserted = new byte[1 + random.nextInt(32)];
        random.nextBytes(inserted);
        byte[] out = new byte[bytes.length + inserted.length];
        System.arraycopy(bytes, 0, out, 0, at);
        System.arraycopy(inserted, 0, out, at, inserted.length);
        System.arraycopy(bytes, at, out, at + inserted.length, bytes.length - at);
        applied.add(inserted.length + " random bytes inserted at " + at);
        return out;
    }

    private byte[] overwriteBinaryField(byte[] bytes) {
        int at = position(bytes.length);
        int width = new int[] {2, 4, 8}[random.nextInt(3)];
        boolean littleEndian = random.nextBoolean();
        long value = random.nextInt(EXTREME_VALUES.length + 1) == 0 ? random.nextLong()
                : EXTREME_VALUES[random.nextInt(EXTREME_VALUES.length)];
        for (int i = 0; i < width && at + i < bytes.length; i++) {
            int shift = 8 * (littleEndian ? i : width - 1 - i);
            bytes[at + i] = (byte) (value >>> shift);
        }
        applied.add(width + "-byte " + (littleEndian ? "little" : "big") + "-endian field at " + at + " set to "
                + value);
        return bytes;
    }

    private byte[] overwriteNumberInText(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        List<int[]> numbers = new ArrayList<>();
        for (int i = 0; i < text.length(); i++) {
            if (Character.isDigit(text.charAt(i))) {
                int end = i;
                while (end < text.length() && Character.isDigit(text.charAt(end))) {
                    end++;
                }
                numbers.add(new int[] {i, end});
                i = end;
            }
        }
        if (numbers.isEmpty()) {
            return overwriteBinaryField(bytes);
        }
        int[] number = numbers.get(random.nextInt(numbers.size()));
        String old = text.substring(number[0], number[1]);
        String replacement;
        if (random.nextBoolean()) {
            replacement = EXTREME_NUMBERS[random.nextInt(EXTREME_NUMBERS.length)];
        } else {
            StringBuilder longer = new StringBuilder(old);
            for (int i = random.nextInt(12); i >= 0; i--) {
                longer.append((char) ('0' + random.nextInt(10)));
            }
            replacement = longer.toString();
        }
        applied.add("number " + old + " at " + number[0] + " replaced by " + replacement);
        return (text.substring(0, number[0]) + replacement + text.substring(number[1]))
                .getBytes(StandardCharsets.ISO_8859_1);
    }
}
