package org.diffusion4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.diffusion4j.audio.WavFiles;
import org.diffusion4j.nn.NetworkConfig;
import org.diffusion4j.train.Presets;
import org.diffusion4j.train.TrainingConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TtsCommandTest {

    /** A tiny text-to-speech run of {@code preset} trained 2 steps on the tone digits. */
    static Path train(Path dir, String preset, Path data) {
        TrainingConfig p = Presets.named(preset);
        TrainingConfig.Optimization o = p.optimization();
        TrainingConfig tiny = new TrainingConfig("tiny-" + preset, p.data(),
                new NetworkConfig.Speech(((NetworkConfig.Speech) p.network()).vocabulary(), 4, 8,
                        new NetworkConfig.UNet(2, 32, 16, List.of(1, 2), 1, List.of(), 0, 0, 1)),
                p.preconditioning(), p.time(), new TrainingConfig.Optimization(4, 2, 1e-3, 1, o.beta1(), o.beta2(),
                        o.epsilon(), 0, 1.0, 0, 0, 0, 0, 2, 0, 1), p.sampling(), null, null, null, null, null, null,
                p.speech());
        Path config = dir.resolve(preset + ".json");
        tiny.write(config);
        Path run = dir.resolve(preset);
        CliRunner.Result r = CliRunner.run("train", "--config", config.toString(), "--data", data.toString(), "--out",
                run.toString(), "--quiet");
        assertEquals(0, r.exitCode(), r.err());
        return run;
    }

    @Test
    void aRunSaysDigitsWordByWord(@TempDir Path dir) throws Exception {
        Path data = ToneDigits.write(dir.resolve("data"));
        for (String preset : List.of("digits-tts-bridge", "digits-tts-diffusion")) {
            Path run = train(dir, preset, data);
            Path two = dir.resolve(preset + "-37.wav");
            Path pictures = dir.resolve(preset + "-37.png");
            CliRunner.Result r = CliRunner.run("--threads", "1", "tts", "3 7", "--run", run.toString(), "--steps", "2",
                    "--out", two.toString(), "--spectrogram", pictures.toString());
            assertEquals(0, r.exitCode(), r.err());
            assertEquals(2 * (32 * 4 + 2) + 2, javax.imageio.ImageIO.read(pictures.toFile()).getWidth(),
                    "two spectrograms");
            assertTrue(r.out().contains("\"3 7\" (three seven)"), r.out());
            assertEquals(8000, WavFiles.read(two).sampleRate());
            assertEquals(2 * 4032 + 800, WavFiles.read(two).length(), "two clips and 0.1 s between them");
            Path again = dir.resolve(preset + "-again.wav");
            assertEquals(0, CliRunner.run("--threads", "1", "tts", "three seven", "--run", run.toString(), "--steps", "2",
                    "--out", again.toString()).exitCode());
            assertArrayEquals(Files.readAllBytes(two), Files.readAllBytes(again), "same seed and threads, same speech");
            Path cooler = dir.resolve(preset + "-cooler.wav");
            String[] atTemperature = {"--threads", "1", "tts", "3 7", "--run", run.toString(), "--steps", "2",
                "--temperature", "1.5", "--out", cooler.toString()};
            if (preset.endsWith("bridge")) {
                CliRunner.assertError("a bridge speech model does not take a temperature (it starts from the words' "
                        + "prior)", atTemperature);
                assertFalse(Files.exists(cooler), "nothing written");
            } else {
                assertEquals(0, CliRunner.run(atTemperature).exitCode());
                assertFalse(Arrays.equals(Files.readAllBytes(two), Files.readAllBytes(cooler)),
                        "a start of N(mu, I/1.5^2) is not the start of N(mu, I)");
                assertEquals(0, CliRunner.run("--threads", "1", "tts", "3 7", "--run", run.toString(), "--steps", "2",
                        "--temperature", "1", "--out", again.toString()).exitCode());
                assertArrayEquals(Files.readAllBytes(two), Files.readAllBytes(again), "temperature 1 is the default");
            }
            Path tight = dir.resolve(preset + "-tight.wav");
            assertEquals(0, CliRunner.run("tts", "37", "--run", run.toString(), "--steps", "2", "--gap", "0",
                    "--seed", "5", "--out", tight.toString()).exitCode());
            assertEquals(2 * 4032, WavFiles.read(tight).length());
            Path seven = dir.resolve(preset + "-seven.wav");
            r = CliRunner.run("sample", "--run", run.toString(), "--sampler", preset.endsWith("bridge") ? "bridge-ode"
                    : "euler", "--steps", "2", "--n", "1", "--class", "7", "--out", seven.toString(), "--quiet");
            assertEquals(0, r.exitCode(), r.err());
            assertEquals(4032, WavFiles.read(seven).length());
        }
        Path run = dir.resolve("digits-tts-bridge");
        Path figure = dir.resolve("memorization.png");
        CliRunner.Result r = CliRunner.run("eval-audio", "--run", run.toString(), "--steps", "2", "--n", "5",
                "--sampler", "bridge-ode", "--data", data.toString(), "--figure", figure.toString(), "--quiet");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("log-mel MSE to the matched test clip"), r.out());
        assertEquals(450, javax.imageio.ImageIO.read(figure.toFile()).getHeight(), "the memorization figure");
        CliRunner.assertError("--figure " + dir.resolve("m.svg") + ": the figure is a .png", "eval-audio", "--run",
                run.toString(), "--steps", "2", "--figure", dir.resolve("m.svg").toString());

        Path out = dir.resolve("x.wav");
        CliRunner.assertError("the word 'eleven' is not in the model's vocabulary", "tts", "one eleven",
                "--run", run.toString(), "--out", out.toString());
        CliRunner.assertError("--out " + dir.resolve("x.png") + ": d4j tts writes a .wav", "tts", "one",
                "--run", run.toString(), "--out", dir.resolve("x.png").toString());
        CliRunner.assertError("--spectrogram " + dir.resolve("x.jpg") + ": the spectrograms are a .png", "tts", "one",
                "--run", run.toString(), "--out", out.toString(), "--spectrogram", dir.resolve("x.jpg").toString());
        Path toy = dir.resolve("toy.json");
        TrainCommandTest.tiny(2, 2, 1e-3).write(toy);
        Path toyRun = dir.resolve("toy");
        assertEquals(0, CliRunner.run("train", "--config", toy.toString(), "--out", toyRun.toString(), "--quiet")
                .exitCode());
        CliRunner.assertError(toyRun + " is not a text-to-speech model", "tts", "one", "--run",
                toyRun.toString(), "--out", out.toString());
        CliRunner.assertError("bundled:mnist-edm is not a text-to-speech model", "tts", "one", "--model",
                "bundled:mnist-edm", "--out", out.toString());
        CliRunner.assertError("unknown bundled model 'nope'", "tts", "one", "--model", "bundled:nope", "--out",
                out.toString());
        CliRunner.assertError("the temperature must be a finite number above 0, got 0.0", "tts", "one", "--run",
                dir.resolve("digits-tts-diffusion").toString(), "--temperature", "0", "--out", out.toString());
        assertFalse(Files.exists(out), "nothing written");
        CliRunner.Result r7 = CliRunner.run("tts", "7", "--model", "bundled:digits-tts-bridge", "--steps", "2",
                "--out", out.toString());
        assertEquals(0, r7.exitCode(), r7.err());
        assertTrue(r7.out().contains("digits-tts-bridge: \"7\" (seven), bridge-sde 2 steps"), r7.out());
        assertEquals(4032, WavFiles.read(out).length());
    }
}
