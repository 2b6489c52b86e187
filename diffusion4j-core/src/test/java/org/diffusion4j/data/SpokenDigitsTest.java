package org.diffusion4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.diffusion4j.audio.AudioFeature;
import org.diffusion4j.audio.MelFilterbank;
import org.diffusion4j.audio.MelSpectrogram;
import org.diffusion4j.audio.Resampler;
import org.diffusion4j.audio.Stft;
import org.diffusion4j.io.FileFormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The spoken-digit loader on the twenty-clip subset in the test resources, and the log-mel features of a tone. */
class SpokenDigitsTest {

    static Path subset() throws URISyntaxException {
        return Path.of(SpokenDigitsTest.class.getResource("/org/diffusion4j/spoken-digits/metadata.csv").toURI())
                .getParent();
    }

    @Test
    void loadsEachSplitWithItsLabels() throws Exception {
        List<SpokenDigits.Clip> train = SpokenDigits.load(subset(), "train");
        List<SpokenDigits.Clip> test = SpokenDigits.load(subset(), "test");
        assertArrayEquals(IntStream.range(0, 10).toArray(), train.stream().mapToInt(SpokenDigits.Clip::digit)
                .toArray());
        assertTrue(train.stream().allMatch(c -> c.speaker().equals("s00")));
        assertTrue(test.stream().allMatch(c -> c.speaker().equals("s48")));
        assertEquals("seven", train.get(7).word());
        for (SpokenDigits.Clip c : train) {
            assertEquals(8000, c.audio().sampleRate());
            assertTrue(c.audio().seconds() >= 0.17 && c.audio().seconds() <= 0.84, c.file() + ": "
                    + c.audio().seconds());
        }
    }

    /** The training clips as EDMSound's images: one per clip, labelled by digit, each the feature of the fitted clip. */
    @Test
    void clipsBecomeFeatureImagesLabelledByDigit() throws Exception {
        AudioFeature mel = AudioFeature.parse("mel");
        ImageSet set = SpokenDigits.features(subset(), "train", mel);
        assertEquals(10, set.size());
        assertEquals(10, set.classes());
        assertEquals(new ai.djl.ndarray.types.Shape(1, 32, 32), set.sampleShape());
        assertArrayEquals(IntStream.range(0, 10).toArray(), set.labels());
        SpokenDigits.Clip seven = SpokenDigits.load(subset(), "train").get(7);
        float[] expected = mel.encode(SpokenDigits.fit(seven.audio().mixedDown(), mel.length()));
        float[] got = java.util.Arrays.copyOfRange(set.values(), 7 * 1024, 8 * 1024);
        assertArrayEquals(expected, got);
        for (float v : set.values()) {
            assertTrue(v >= -1 && v <= 1, "value " + v);
        }
        AudioFeature wide = AudioFeature.parse("mel:rate=16000");
        SpokenDigits.Clip two = SpokenDigits.load(subset(), "test").get(2);
        float[] resampled = wide.encode(SpokenDigits.fit(Resampler.standard().resample(two.audio(), 16000)
                .mixedDown(), wide.length()));
        assertArrayEquals(resampled, java.util.Arrays.copyOfRange(SpokenDigits.features(subset(), "test", wide)
                .values(), 2 * 1024, 3 * 1024), "clips at another rate are resampled to the feature's");
    }

    /**
     * On the whole training split (where {@code ../shared/datasets} lies beside the checkout, skipped elsewhere): the
     * numbers the EDMSound presets are set by: 510 of 2400 clips longer than 4032 samples, every log-mel value in
     * [−1, 1], the compressed complex values' standard deviation 0.451 (σ_data = 0.5 fits it).
     */
    @Test
    void presetFeaturesFitTheTrainingClips() {
        Path dir = Path.of("../../shared/datasets/spoken-digits").toAbsolutePath().normalize();
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(dir), "no spoken digits at " + dir);
        List<SpokenDigits.Clip> clips = SpokenDigits.load(dir, "train");
        assertEquals(2400, clips.size());
        assertEquals(510, clips.stream().filter(c -> c.audio().length() > 4032).count());
        for (float v : SpokenDigits.features(dir, "train", AudioFeature.parse("mel")).values()) {
            assertTrue(v >= -1 && v <= 1, "log-mel value " + v);
        }
        double sum = 0;
        double squares = 0;
        float[] complex = SpokenDigits.features(dir, "train", AudioFeature.parse("complex")).values();
        for (float v : complex) {
            sum += v;
            squares += (double) v * v;
        }
        double mean = sum / complex.length;
        assertEquals(0.451, Math.sqrt(squares / complex.length - mean * mean), 0.001);
    }

    @Test
    void fitCentresAndCrops() {
        assertArrayEquals(new double[] {0, 1, 2, 0}, SpokenDigits.fit(new double[] {1, 2}, 4));
        assertArrayEquals(new double[] {2, 3}, SpokenDigits.fit(new double[] {1, 2, 3, 4}, 2));
    }

    @Test
    void badMetadataIsRefusedByName(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("metadata.csv"), "file,digit,word\ntrain/x.wav,3,three\n");
        FileFormatException e = assertThrows(FileFormatException.class, () -> SpokenDigits.load(dir, "train"));
        assertTrue(e.getMessage().endsWith("has no column 'speaker' (columns: file, digit, word)"), e.getMessage());
        Files.writeString(dir.resolve("metadata.csv"), "file,digit,word,speaker\ntrain/x.wav,12,twelve,s00\n");
        e = assertThrows(FileFormatException.class, () -> SpokenDigits.load(dir, "train"));
        assertTrue(e.getMessage().endsWith("line 2: digit '12' is not 0 … 9"), e.getMessage());
    }

    /** A 1 kHz tone puts its most energy in the mel band whose peak frequency lies nearest 1 kHz. */
    @Test
    void aToneLightsItsMelBand() {
        double[] x = new double[4000];
        for (int i = 0; i < x.length; i++) {
            x[i] = Math.sin(2 * Math.PI * 1000 * i / 8000.0);
        }
        Stft stft = new Stft(512, 128);
        double[][] filters = new MelFilterbank("slaney", true).filters(8000, 512, 40, 0, 4000);
        double[][] logMel = new MelSpectrogram(stft, filters, 1e-5).logMel(x);
        assertEquals(40, logMel.length);
        int frame = 10;
        int loudest = 0;
        for (int m = 1; m < 40; m++) {
            loudest = logMel[m][frame] > logMel[loudest][frame] ? m : loudest;
        }
        int nearest = 0;
        for (int m = 0; m < 40; m++) {
            int peak = argmax(filters[m]);
            nearest = Math.abs(peak * 8000.0 / 512 - 1000) < Math.abs(argmax(filters[nearest]) * 8000.0 / 512 - 1000)
                    ? m : nearest;
        }
        assertEquals(nearest, loudest);
    }

    private static int argmax(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            best = v[i] > v[best] ? i : best;
        }
        return best;
    }
}
