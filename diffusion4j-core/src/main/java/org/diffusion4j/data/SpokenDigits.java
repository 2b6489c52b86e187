package org.diffusion4j.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.audio.Audio;
import org.diffusion4j.audio.AudioFeature;
import org.diffusion4j.audio.Resampler;
import org.diffusion4j.audio.WavFiles;
import org.diffusion4j.io.FileFormatException;
import org.diffusion4j.io.UserFiles;

/**
 * The spoken-digit set ({@code datasets/spoken-digits}): WAV clips of the words zero … nine listed in
 * {@code metadata.csv} ({@code file,digit,word,speaker,…}), split by speaker into {@code train/} and {@code test/}
 * (voices not heard in training). Clips have their own lengths; {@link #fit} pads or crops one to a fixed length.
 */
public final class SpokenDigits {
    private SpokenDigits() {}

    /** The splits. */
    public static final List<String> SPLITS = List.of("train", "test");

    /**
     * One clip.
     *
     * @param file its path relative to the set's folder
     * @param digit 0 … 9
     * @param word the word spoken
     * @param speaker the speaker's id
     * @param audio the samples
     */
    public record Clip(String file, int digit, String word, String speaker, Audio audio) {}

    /** The clips of {@code split} under {@code dir}, in metadata order. */
    public static List<Clip> load(Path dir, String split) {
        if (!SPLITS.contains(split)) {
            throw new InvalidArgumentException("a spoken-digit split is train or test, got '" + split + "'");
        }
        Path metadata = dir.resolve("metadata.csv");
        if (!Files.isRegularFile(metadata)) {
            throw new FileFormatException(dir, "has no metadata.csv; is it the spoken-digits folder?");
        }
        String[] lines = UserFiles.readText(metadata).split("\\R");
        List<String> header = List.of(lines[0].split(","));
        int file = column(metadata, header, "file");
        int digit = column(metadata, header, "digit");
        int word = column(metadata, header, "word");
        int speaker = column(metadata, header, "speaker");
        List<Clip> clips = new ArrayList<>();
        for (int i = 1; i < lines.length; i++) {
            if (lines[i].isBlank()) {
                continue;
            }
            String[] row = lines[i].split(",", -1);
            if (row.length != header.size()) {
                throw new FileFormatException(metadata, "line " + (i + 1) + " has " + row.length + " fields, the "
                        + "header " + header.size());
            }
            if (!row[file].startsWith(split + "/")) {
                continue;
            }
            int d;
            try {
                d = Integer.parseInt(row[digit]);
            } catch (NumberFormatException e) {
                d = -1;
            }
            if (d < 0 || d > 9) {
                throw new FileFormatException(metadata, "line " + (i + 1) + ": digit '" + row[digit]
                        + "' is not 0 … 9");
            }
            clips.add(new Clip(row[file], d, row[word], row[speaker], WavFiles.read(dir.resolve(row[file]))));
        }
        if (clips.isEmpty()) {
            throw new FileFormatException(metadata, "lists no clips of split " + split);
        }
        return clips;
    }

    private static int column(Path file, List<String> header, String name) {
        int i = header.indexOf(name);
        if (i < 0) {
            throw new FileFormatException(file, "has no column '" + name + "' (columns: " + String.join(", ", header)
                    + ")");
        }
        return i;
    }

    /** {@code x} centred in {@code length} samples: zeros around a shorter clip, the middle of a longer one. */
    public static double[] fit(double[] x, int length) {
        double[] out = new double[length];
        if (x.length <= length) {
            System.arraycopy(x, 0, out, (length - x.length) / 2, x.length);
        } else {
            System.arraycopy(x, (x.length - length) / 2, out, 0, length);
        }
        return out;
    }

    /**
     * The clips of {@code split} under {@code dir} as {@code feature}'s images, labelled by digit (10 classes): each
     * clip resampled to the feature's rate where it differs ({@link Resampler#standard}), mixed down, {@link #fit} to
     * the feature's length, encoded.
     */
    public static ImageSet features(Path dir, String split, AudioFeature feature) {
        List<Clip> clips = load(dir, split);
        List<Integer> shape = feature.shape();
        int per = shape.get(0) * shape.get(1) * shape.get(2);
        float[] values = new float[clips.size() * per];
        int[] labels = new int[clips.size()];
        for (int i = 0; i < clips.size(); i++) {
            Clip clip = clips.get(i);
            Audio audio = Resampler.standard().resample(clip.audio(), feature.sampleRate());
            float[] image = feature.encode(fit(audio.mixedDown(), feature.length()));
            System.arraycopy(image, 0, values, i * per, per);
            labels[i] = clip.digit();
        }
        return new ImageSet(values, labels, new ai.djl.ndarray.types.Shape(shape.get(0), shape.get(1), shape.get(2)),
                10, "spoken-digits/" + split + " " + feature.spec());
    }
}
