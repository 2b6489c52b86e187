package org.diffusion4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Map;
import javax.imageio.ImageIO;
import org.diffusion4j.audio.WavFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo's audio section with the shipped text-to-speech model. */
class AudioDemoTest {

    private static Progress silent(long total) {
        return new Progress("audio", total, true, new PrintStream(OutputStream.nullOutputStream()));
    }

    /**
     * With spoken digits at hand (tones here) the table has the Fréchet audio distance; the shipped model says every
     * digit so the bundled classifier recognises it (intelligibility 1.000 over 600 clips at NFE 8 in docs/audio.md;
     * at least 9 of 10 here); each sampler gets a WAV of the ten words and a picture of their spectrograms.
     */
    @Test
    void theShippedModelSaysTheDigitsIntelligibly(@TempDir Path dir) throws Exception {
        Path data = ToneDigits.write(dir.resolve("data"), 2);
        StringBuilder html = new StringBuilder();
        AudioDemo demo = new AudioDemo(dir, data, 10);
        Map<String, Double> intelligibility;
        try (Progress progress = silent(demo.steps())) {
            intelligibility = demo.write(html, progress);
        }
        assertEquals(AudioDemo.SAMPLERS, intelligibility.keySet().stream().toList());
        intelligibility.forEach((sampler, value) -> assertTrue(value >= 0.9, sampler + ": " + value));
        for (String sampler : AudioDemo.SAMPLERS) {
            assertEquals(10 * 4032 + 9 * 800, WavFiles.read(dir.resolve("tts-" + sampler + ".wav")).length(),
                    "ten words and 0.1 s between them");
            BufferedImage picture = ImageIO.read(dir.resolve("tts-" + sampler + ".png").toFile());
            assertEquals(10 * (32 * 4 + 2) + 2, picture.getWidth(), "ten 32×32 spectrograms drawn 4×4");
            assertTrue(html.toString().contains("<audio controls src=\"tts-" + sampler + ".wav\">"), html.toString());
        }
        assertTrue(html.toString().contains("<th>FAD</th><th>FAD floor</th>"), html.toString());
        assertFalse(html.toString().contains("needs the spoken-digits set"), html.toString());
    }

    @Test
    void withoutTheDataSetTheTableHasIntelligibilityAndSaysWhy(@TempDir Path dir) {
        StringBuilder html = new StringBuilder();
        AudioDemo demo = new AudioDemo(dir, dir.resolve("nowhere"), 10);
        try (Progress progress = silent(demo.steps())) {
            demo.write(html, progress);
        }
        assertTrue(html.toString().contains("The Fréchet audio distance needs the spoken-digits set"), html.toString());
        assertFalse(html.toString().contains("<th>FAD</th>"), html.toString());
        assertTrue(html.toString().contains("<th>intelligibility</th>"), html.toString());
    }
}
