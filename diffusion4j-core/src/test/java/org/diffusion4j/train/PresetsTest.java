package org.diffusion4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class PresetsTest {

    static java.util.List<String> presets() {
        return Presets.NAMES;
    }

    /** Every preset survives config.json; only degraded ones mention a degradation (older runs stay readable). */
    @ParameterizedTest
    @MethodSource("presets")
    void presetsRoundTripThroughJson(String name) {
        TrainingConfig config = Presets.named(name);
        String json = config.toJson();
        assertEquals(config, TrainingConfig.parse(json, name));
        // the preconditioning's degradation field (a sampler name such as degradation-ddim is not one)
        boolean degraded = json.contains("\"degradation\" :");
        assertEquals(name.equals("mnist-blur") || name.equals("mnist-saturation"), degraded, json);
        if (degraded) {
            assertTrue(json.contains("\"sampler\" : \"degradation-ddim\""), json);
        } else {
            assertFalse(config.preconditioning().degradationOperator().spec().contains(":"));
        }
    }

    /** Each Fashion-MNIST restoration preset is its MNIST twin on the other dataset: same split, network, budget. */
    @Test
    void fashionRestorationPresetsAreTheirMnistTwins() {
        java.util.List<String> fashion = Presets.NAMES.stream()
                .filter(name -> name.startsWith("fashion-") && !name.equals("fashion-edm")).toList();
        assertEquals(19, fashion.size(), fashion.toString());
        for (String name : fashion) {
            TrainingConfig twin = Presets.named("mnist" + name.substring("fashion".length()));
            TrainingConfig config = Presets.named(name);
            assertEquals(Presets.RESTORATION_TRAINING_IMAGES, config.data().size(), name);
            assertEquals(twin.toJson().replace("\"mnist", "\"fashion"), config.toJson(), name);
        }
    }

    /** EDMSound's presets read their spoken digits as the feature their path names; a mismatched shape is refused. */
    @Test
    void audioPresetsNameTheirFeature() {
        TrainingConfig mel = Presets.named("digits-mel-edm");
        assertEquals("spoken-digits", mel.data().source());
        assertEquals(java.util.List.of(1, 32, 32), mel.data().audioFeature().shape());
        assertEquals(mel.network().sampleShape(), mel.data().sampleShape());
        TrainingConfig complex = Presets.named("digits-complex-edm");
        assertEquals(java.util.List.of(2, 64, 64), complex.data().sampleShape());
        assertEquals(complex.network().sampleShape(), complex.data().sampleShape());
        org.diffusion4j.InvalidArgumentException e = assertThrows(org.diffusion4j.InvalidArgumentException.class,
                () -> new TrainingConfig.Data("spoken-digits", "complex", 0, 0, 0, false, java.util.List.of(1, 32, 32)));
        assertEquals("data.sample_shape [1, 32, 32] does not fit the audio feature complex (images [2, 64, 64])",
                e.getMessage());
    }

    /**
     * The bundled model's config.json, written before {@code loss_weight} existed, reads and writes back byte for
     * byte but for that key.
     */
    @Test
    void bundledConfigWritesBackUnchanged() throws IOException {
        String original;
        try (InputStream in = PresetsTest.class.getResourceAsStream("/org/diffusion4j/models/mnist-edm/config.json")) {
            original = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        String written = TrainingConfig.parse(original, "config.json").toJson().replace(System.lineSeparator(), "\n");
        assertEquals(original.strip(), written.replace(",\n  \"loss_weight\" : \"none\"", ""));
    }
}
