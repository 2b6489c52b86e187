package org.diffusion4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        assertEquals(name.equals("mnist-blur") || name.equals("mnist-saturation"), json.contains("degradation"),
                json);
        if (json.contains("degradation")) {
            assertTrue(json.contains("\"sampler\" : \"rd\""), json);
        } else {
            assertFalse(config.preconditioning().degradationOperator().spec().contains(":"));
        }
    }
}
