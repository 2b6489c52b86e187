package org.diffusion4j.cli;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.audio.WavFiles;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.generate.Generation;
import org.diffusion4j.io.OutputPaths;
import org.diffusion4j.nn.NetworkConfig;
import org.diffusion4j.train.ModelSource;
import org.diffusion4j.train.TrainedModel;
import org.diffusion4j.train.TrainingConfig;
import org.diffusion4j.tts.Transcript;
import picocli.CommandLine.ArgGroup;
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

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    static final class Source {
        @Option(names = "--run", paramLabel = "RUN", description = "A trained text-to-speech run.")
        Path run;

        @Option(names = "--model", paramLabel = "bundled:NAME",
                description = "A shipped text-to-speech model: bundled:digits-tts-bridge.")
        String model;
    }

    @Option(names = "--sampler", paramLabel = "SPEC",
            description = "The decoder's sampler (default: the run's): bridge-sde[:noise=1] or bridge-ode for a "
                    + "bridge, any sampler of the process for a diffusion decoder.")
    String sampler;

    @Option(names = "--steps", paramLabel = "N", description = "Sampler steps (default: the run's, 50).")
    Integer steps;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S",
            description = "Seed of the first word; word i uses S + i (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--temperature", defaultValue = "1", paramLabel = "TAU",
            description = "A diffusion decoder's start is N(mu, I/TAU^2) instead of N(mu, I) (Grad-TTS samples at "
                    + "1.5); a bridge, which starts from mu itself, takes only 1 (default: ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--gap", defaultValue = "0.1", paramLabel = "SECONDS",
            description = "Silence between words (default: ${DEFAULT-VALUE}).")
    double gap;

    @Option(names = "--out", required = true, paramLabel = "FILE.wav", description = "The WAV to write.")
    Path out;

    @Option(names = "--spectrogram", paramLabel = "FILE.png",
            description = "Also draw the words' log-mel spectrograms side by side (low frequencies at the bottom).")
    Path spectrogram;

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
        ModelSource named = Models.source(source.model, source.run, null);
        TrainingConfig config = named.trainedConfig();
        String name = named.name();
        if (config == null || config.speech() == null || !(config.network() instanceof NetworkConfig.Speech network)) {
            throw new InvalidArgumentException(name + " is not a text-to-speech model (its config has no speech "
                    + "block; train one with --preset digits-tts-bridge or digits-tts-diffusion)");
        }
        Transcript transcript = Transcript.parse(text, network.vocabulary());
        OutputPaths.requireWritableFile(out, "--out");
        if (spectrogram != null) {
            if (!spectrogram.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".png")) {
                throw new InvalidArgumentException("--spectrogram " + spectrogram + ": the spectrograms are a .png");
            }
            OutputPaths.requireWritableFile(spectrogram, "--spectrogram");
        }
        long started = System.nanoTime();
        try (NDManager manager = Backend.newManager()) {
            TrainedModel model = named.trained(manager);
            SpokenWords said = SpokenWords.say(model, transcript.words(), seed, sampler,
                    steps != null ? steps : config.sampling().steps(), temperature, gap, manager);
            WavFiles.write(out, said.speech());
            Generation generation = said.generation();
            System.out.printf(Locale.ROOT, "%s: \"%s\" (%s), %s %d steps, NFE %d per word, %.2f s audio in %.2f s → %s%n",
                    config.name(), text, String.join(" ", transcript.spelled(network.vocabulary())),
                    generation.sampler(), generation.steps(), generation.evaluations(), said.speech().seconds(),
                    (System.nanoTime() - started) / 1e9, out);
            if (spectrogram != null) {
                said.writeSpectrograms(spectrogram);
                System.out.println("wrote " + spectrogram);
            }
        }
        return 0;
    }
}
