package org.diffusion4j.cli;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.audio.Audio;
import org.diffusion4j.audio.AudioFeature;
import org.diffusion4j.generate.Generation;
import org.diffusion4j.generate.GenerationRequest;
import org.diffusion4j.io.Previews;
import org.diffusion4j.train.TrainedModel;

/**
 * Words said by a text-to-speech model: each word's spectrogram image from the model, decoded to a clip (Griffin–Lim
 * seeded by the word's seed), and the clips one after another with a silence between them.
 *
 * @param images the words' images, one after another
 * @param words how many words
 * @param feature how images become clips
 * @param speech the clips and silences, one WAV's worth
 * @param generation what the generator reports (sampler, steps, NFE)
 */
record SpokenWords(float[] images, int words, AudioFeature feature, Audio speech, Generation generation) {

    /**
     * Says {@code words} (indices into the model's vocabulary) with {@code model}: word i with seed {@code seed + i},
     * {@code sampler} (null: the model's) in {@code steps} steps at {@code temperature} (1: from the prior; see
     * {@link GenerationRequest#temperature}), {@code gap} seconds of silence between words.
     */
    static SpokenWords say(TrainedModel model, List<Integer> words, long seed, String sampler, int steps,
            double temperature, double gap, NDManager manager) {
        AudioFeature feature = model.config().data().audioFeature();
        int n = words.size();
        GenerationRequest request = GenerationRequest.builder(GenerationRequest.consecutiveSeeds(seed, n))
                .classes(words.stream().mapToInt(Integer::intValue).toArray()).sampler(sampler).steps(steps)
                .temperature(temperature).build();
        Generation generation = model.generator().generate(request, manager);
        float[] images = generation.samples().toType(DataType.FLOAT32, false).toFloatArray();
        int per = images.length / n;
        int silence = (int) Math.round(gap * feature.sampleRate());
        double[] speech = new double[n * feature.length() + silence * (n - 1)];
        for (int i = 0; i < n; i++) {
            double[] clip = feature.decode(Arrays.copyOfRange(images, i * per, (i + 1) * per), seed + i);
            System.arraycopy(clip, 0, speech, i * (feature.length() + silence), clip.length);
        }
        return new SpokenWords(images, n, feature, Audio.mono(feature.sampleRate(), speech), generation);
    }

    /**
     * Writes the words' log-mel images side by side as a PNG, low frequencies at the bottom and each pixel drawn 4×4
     * (a spectrogram per word, black silence to white the feature's ceiling).
     */
    void writeSpectrograms(Path file) {
        List<Integer> shape = feature.shape();
        if (shape.get(0) != 1) {
            throw new InvalidArgumentException("a spectrogram picture needs log-mel images (1 channel), got "
                    + shape.get(0) + " channels (" + feature.spec() + ")");
        }
        int size = shape.get(1);
        int plane = size * size;
        float[] upright = new float[images.length];
        for (int k = 0; k < words; k++) {
            for (int row = 0; row < size; row++) {
                System.arraycopy(images, k * plane + row * size, upright, k * plane + (size - 1 - row) * size, size);
            }
        }
        Previews.write(Previews.grid(upright, words, 1, size, words, 4), file);
    }
}
