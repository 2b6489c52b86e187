package org.diffusion4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.diffusion4j.audio.Audio;
import org.diffusion4j.audio.WavFiles;

/** A spoken-digit folder of synthetic clips for command tests: digit d is a 3000-sample tone of 200 + 100·d Hz. */
final class ToneDigits {
    private ToneDigits() {}

    /** Writes {@code DATA/spoken-digits} with one clip per digit in each split (speaker s00 trains at amplitude 0.3, s48 tests at 0.2). */
    static Path write(Path data) throws IOException {
        return write(data, 1);
    }

    /**
     * Writes {@code DATA/spoken-digits} with {@code speakers} clips per digit in each split: training speakers s00,
     * s01, … at amplitudes 0.3, 0.25, …; test speakers s48, s49, … at 0.2, 0.15, ….
     */
    static Path write(Path data, int speakers) throws IOException {
        Path digits = data.resolve("spoken-digits");
        StringBuilder metadata = new StringBuilder("file,digit,word,speaker\n");
        for (String split : new String[] {"train", "test"}) {
            Files.createDirectories(digits.resolve(split));
            for (int s = 0; s < speakers; s++) {
                String speaker = String.format("s%02d", (split.equals("train") ? 0 : 48) + s);
                double amplitude = (split.equals("train") ? 0.3 : 0.2) - 0.05 * s;
                for (int d = 0; d < 10; d++) {
                    double[] tone = new double[3000];
                    for (int i = 0; i < tone.length; i++) {
                        tone[i] = amplitude * Math.sin(2 * Math.PI * (200 + 100 * d) * i / 8000.0);
                    }
                    String file = split + "/" + d + "_" + speaker + "_0.wav";
                    WavFiles.write(digits.resolve(file), Audio.mono(8000, tone));
                    metadata.append(file).append(',').append(d).append(",w").append(d).append(',').append(speaker)
                            .append('\n');
                }
            }
        }
        Files.writeString(digits.resolve("metadata.csv"), metadata);
        return data;
    }
}
