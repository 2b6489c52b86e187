package org.diffusion4j.audio;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import javax.sound.sampled.AudioFileFormat;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import javax.sound.sampled.UnsupportedAudioFileException;
import org.diffusion4j.io.AtomicFiles;
import org.diffusion4j.io.FileAccessException;
import org.diffusion4j.io.FileFormatException;

/**
 * WAV files. Reading first walks the RIFF chunks itself, so that a file that is empty, not a WAV file, truncated,
 * without samples or in an encoding the JDK does not decode fails with a message that says which; the JDK's sound API
 * ({@link AudioSystem}) then decodes what it reads — PCM of 8, 16, 24 or 32 bits, IEEE float, μ-law and A-law — at
 * any sample rate. Writing is 16-bit PCM, atomic; reading a 16-bit file and writing it back is bit-exact.
 */
public final class WavFiles {
    private WavFiles() {}

    /** The largest WAV read: 256 MiB. */
    public static final long MAX_BYTES = 256L << 20;

    /** The WAV format tags the JDK decodes, by name. */
    private static final Map<Integer, String> DECODED = Map.of(1, "PCM", 3, "IEEE float", 6, "A-law", 7, "μ-law",
            0xFFFE, "extensible");

    /** Reads {@code file}. */
    public static Audio read(Path file) {
        byte[] bytes;
        try {
            long size = Files.size(file);
            if (size > MAX_BYTES) {
                throw new FileFormatException(file, "holds " + size + " bytes; a WAV file may have at most "
                        + MAX_BYTES);
            }
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw FileAccessException.reading(file, e);
        }
        check(file, bytes);
        try (AudioInputStream in = AudioSystem.getAudioInputStream(new ByteArrayInputStream(bytes))) {
            AudioInputStream pcm = decodable(in);
            return decode(file, pcm.getFormat(), pcm.readAllBytes());
        } catch (UnsupportedAudioFileException e) {
            throw new FileFormatException(file, "cannot be decoded by the JDK (" + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw FileAccessException.reading(file, e);
        }
    }

    /** Writes {@code audio} to {@code file} as 16-bit PCM (values clipped to [−1, 1 − 2⁻¹⁵]), atomically. */
    public static void write(Path file, Audio audio) {
        int channels = audio.channels().length;
        ByteBuffer data = ByteBuffer.allocate(audio.length() * channels * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < audio.length(); i++) {
            for (double[] channel : audio.channels()) {
                long v = Math.round(channel[i] * 32768);
                data.putShort((short) Math.max(-32768, Math.min(32767, v)));
            }
        }
        AudioFormat format = new AudioFormat(audio.sampleRate(), 16, channels, true, false);
        AtomicFiles.write(file, out -> AudioSystem.write(new AudioInputStream(new ByteArrayInputStream(data.array()),
                format, audio.length()), AudioFileFormat.Type.WAVE, out));
    }

    /** The chunk walk: every problem the JDK would report vaguely, reported by name. */
    private static void check(Path file, byte[] bytes) {
        if (bytes.length == 0) {
            throw new FileFormatException(file, "is empty (0 bytes), not a WAV file");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < 12 || !tag(bytes, 0).equals("RIFF") || !tag(bytes, 8).equals("WAVE")) {
            throw new FileFormatException(file, "is not a WAV file: it does not start with a RIFF/WAVE header");
        }
        Integer formatTag = null;
        int at = 12;
        while (at + 8 <= bytes.length) {
            String id = tag(bytes, at);
            long size = Integer.toUnsignedLong(b.getInt(at + 4));
            long left = bytes.length - (at + 8L);
            if (id.equals("fmt ")) {
                if (size < 16 || left < 16) {
                    throw new FileFormatException(file, "is truncated: its fmt chunk has " + Math.min(size, left)
                            + " of the 16 bytes a WAV format needs");
                }
                formatTag = Short.toUnsignedInt(b.getShort(at + 8));
                if (!DECODED.containsKey(formatTag)) {
                    throw new FileFormatException(file, String.format("uses encoding 0x%04X (format tag), which the "
                            + "JDK does not decode; WAV files of PCM, IEEE float, μ-law or A-law samples are read",
                            formatTag));
                }
            } else if (id.equals("data")) {
                if (formatTag == null) {
                    throw new FileFormatException(file, "has its data chunk before any fmt chunk");
                }
                if (size > left) {
                    throw new FileFormatException(file, "is truncated: its data chunk declares " + size
                            + " bytes but " + left + " follow");
                }
                if (size == 0) {
                    throw new FileFormatException(file, "holds no samples (its data chunk is empty)");
                }
                return;
            }
            at += 8 + (int) Math.min(size + (size & 1), Integer.MAX_VALUE - at - 8);
        }
        throw new FileFormatException(file, formatTag == null ? "is truncated: it has no fmt chunk"
                : "is truncated: it has no data chunk");
    }

    private static String tag(byte[] bytes, int at) {
        return new String(bytes, at, 4, java.nio.charset.StandardCharsets.US_ASCII);
    }

    /** μ-law and A-law become 16-bit PCM (the JDK's codecs); PCM and float stay as they are. */
    private static AudioInputStream decodable(AudioInputStream in) {
        AudioFormat.Encoding e = in.getFormat().getEncoding();
        if (e.equals(AudioFormat.Encoding.ULAW) || e.equals(AudioFormat.Encoding.ALAW)) {
            return AudioSystem.getAudioInputStream(AudioFormat.Encoding.PCM_SIGNED, in);
        }
        return in;
    }

    private static Audio decode(Path file, AudioFormat format, byte[] data) {
        int channels = format.getChannels();
        int bytesPerSample = format.getSampleSizeInBits() / 8;
        int frame = channels * bytesPerSample;
        if (bytesPerSample < 1 || frame < 1 || data.length < frame) {
            throw new FileFormatException(file, "holds no whole sample frame (" + format + ")");
        }
        int n = data.length / frame;
        double[][] out = new double[channels][n];
        ByteBuffer b = ByteBuffer.wrap(data).order(format.isBigEndian() ? ByteOrder.BIG_ENDIAN
                : ByteOrder.LITTLE_ENDIAN);
        AudioFormat.Encoding e = format.getEncoding();
        boolean floating = e.equals(AudioFormat.Encoding.PCM_FLOAT);
        boolean unsigned = e.equals(AudioFormat.Encoding.PCM_UNSIGNED);
        if (!floating && !unsigned && !e.equals(AudioFormat.Encoding.PCM_SIGNED)) {
            throw new FileFormatException(file, "decodes to " + e + ", not PCM");
        }
        double scale = Math.scalb(1.0, 8 * bytesPerSample - 1);
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < channels; c++) {
                int at = i * frame + c * bytesPerSample;
                double v;
                if (floating) {
                    v = bytesPerSample == 8 ? b.getDouble(at) : b.getFloat(at);
                } else if (unsigned) {
                    v = ((data[at] & 0xff) - 128) / 128.0;
                } else {
                    long raw = 0;
                    for (int k = 0; k < bytesPerSample; k++) {
                        int index = format.isBigEndian() ? at + k : at + bytesPerSample - 1 - k;
                        raw = (raw << 8) | (data[index] & 0xff);
                    }
                    raw = (raw << (64 - 8 * bytesPerSample)) >> (64 - 8 * bytesPerSample); // sign-extend
                    v = raw / scale;
                }
                out[c][i] = v;
            }
        }
        return new Audio(Math.round(format.getSampleRate()), out);
    }
}
