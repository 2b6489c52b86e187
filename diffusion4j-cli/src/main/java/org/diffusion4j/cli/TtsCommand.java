package org.diffusion4j.cli;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.audio.Audio;
import org.diffusion4j.audio.AudioFeature;
import org.diffusion4j.audio.WavFiles;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.generate.Generation;
import org.diffusion4j.generate.GenerationRequest;
import org.diffusion4j.io.OutputPaths;
import org.diffusion4j.nn.NetworkConfig;
import org.diffusion4j.train.RunDirectory;
import org.diffusion4j.train.TrainedModel;
import org.diffusion4j.train.TrainingConfig;
import org.diffusion4j.tts.Transcript;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code d4j tts}: say a text with a trained text-to-speech run. */
@Command(name = "tts", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Say a text with a text-to-speech run (presets digits-tts-bridge, digits-tts-diffusion): each "
                + "word's mel from the model, decoded to audio, the words one after another in one WAV.",
            "Words of the run's vocabulary, separated by spaces or commas; digits are read one by one "
                    + "(\"3 7\", \"37\" and \"three seven\" say the same)."})
final class TtsCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "TEXT", description = "What to say, e.g. \"seven\" or \"3 7\".")
    String text;

    @Option(names = "--run", required = true, paramLabel = "RUN", description = "A trained text-to-speech run.")
    Path run;

    @Option(names = "--sampler", paramLabel = "SPEC",
            description = "The decoder's sampler (default: the run's): bridge-sde[:noise=1] or bridge-ode for a "
                    + "bridge, any sampler of the process for a diffusion decoder.")
    String sampler;

    @Option(names = "--steps", paramLabel = "N", description = "Sampler steps (default: the run's, 50).")
    Integer steps;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S",
            description = "Seed of the first word; word i uses S + i (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--gap", defaultValue = "0.1", paramLabel = "SECONDS",
            description = "Silence between words (default: ${DEFAULT-VALUE}).")
    double gap;

    @Option(names = "--out", required = true, paramLabel = "FILE.wav", description = "The WAV to write.")
    Path out;

    @Override
    public Integer call() {
        if (!out.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".wav")) {
            throw new InvalidArgumentException("--out " + out + ": d4j tts writes a .wav");
        }
        if (!(gap >= 0 && gap <= 10)) {
            throw new InvalidArgumentException("--gap must be between 0 and 10 seconds, got " + gap);
        }
        if (steps != null && steps < 1) {
            throw new InvalidArgumentException("--steps must be at least 1, got " + steps);
        }
        TrainingConfig config = TrainingConfig.read(new RunDirectory(run).config());
        if (config.speech() == null || !(config.network() instanceof NetworkConfig.Speech network)) {
            throw new InvalidArgumentException(run + " is not a text-to-speech run (its config has no speech block; "
                    + "train one with --preset digits-tts-bridge or digits-tts-diffusion)");
        }
        Transcript transcript = Transcript.parse(text, network.vocabulary());
        OutputPaths.requireWritableFile(out, "--out");
        AudioFeature feature = config.data().audioFeature();
        long started = System.nanoTime();
        try (NDManager manager = Backend.newManager()) {
            TrainedModel model = TrainedModel.load(run, manager);
            int words = transcript.words().size();
            GenerationRequest request = GenerationRequest.builder(GenerationRequest.consecutiveSeeds(seed, words))
                    .classes(transcript.words().stream().mapToInt(Integer::intValue).toArray())
                    .sampler(sampler).steps(steps != null ? steps : config.sampling().steps()).build();
            Generation generation = model.generator().generate(request, manager);
            float[] mels = generation.samples().toType(DataType.FLOAT32, false).toFloatArray();
            int per = mels.length / words;
            int silence = (int) Math.round(gap * feature.sampleRate());
            List<double[]> clips = new java.util.ArrayList<>();
            for (int i = 0; i < words; i++) {
                clips.add(feature.decode(java.util.Arrays.copyOfRange(mels, i * per, (i + 1) * per), seed + i));
            }
            int length = clips.stream().mapToInt(c -> c.length).sum() + silence * (words - 1);
            double[] speech = new double[length];
            int at = 0;
            for (double[] clip : clips) {
                System.arraycopy(clip, 0, speech, at, clip.length);
                at += clip.length + silence;
            }
            WavFiles.write(out, Audio.mono(feature.sampleRate(), speech));
            System.out.printf(Locale.ROOT, "%s: \"%s\" (%s), %s %d steps, NFE %d per word, %.2f s audio in %.2f s → %s%n",
                    config.name(), text, String.join(" ", transcript.spelled(network.vocabulary())),
                    generation.sampler(), generation.steps(), generation.evaluations(),
                    length / (double) feature.sampleRate(), (System.nanoTime() - started) / 1e9, out);
        }
        return 0;
    }
}
