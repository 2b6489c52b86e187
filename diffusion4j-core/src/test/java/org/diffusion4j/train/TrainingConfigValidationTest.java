package org.diffusion4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.diffusion4j.DiffusionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every optimizer and sampling setting of a config is checked when it is read, and the error names the field. */
class TrainingConfigValidationTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "optimization | beta1                | -0.1  | optimization.beta1 must be in [0, 1), got -0.1",
        "optimization | beta1                | 1     | optimization.beta1 must be in [0, 1), got 1.0",
        "optimization | beta2                | -0.5  | optimization.beta2 must be in [0, 1), got -0.5",
        "optimization | beta2                | 1.5   | optimization.beta2 must be in [0, 1), got 1.5",
        "optimization | epsilon              | 0     | optimization.epsilon must be positive, got 0.0",
        "optimization | epsilon              | -1e-8 | optimization.epsilon must be positive, got -1.0E-8",
        "optimization | gradient_clip        | -1    | optimization.gradient_clip must be positive (or 0: no clipping), "
                + "got -1.0",
        "optimization | ema_half_life_images | -5    | optimization.ema_half_life_images must be at least 0 (0: no "
                + "averaging), got -5.0",
        "optimization | ema_ramp_up          | -0.1  | optimization.ema_ramp_up must be at least 0 (0: none), got -0.1",
        "optimization | weight_decay         | -0.1  | optimization.weight_decay must be at least 0, got -0.1",
        "optimization | batch                | 0     | optimization.batch must be at least 1, got 0",
        "optimization | checkpoint_every     | 0     | optimization.checkpoint_every must be at least 1, got 0",
        "optimization | class_dropout        | 1     | optimization.class_dropout must be in [0, 1), got 1.0",
        "sampling     | steps                | 0     | sampling.steps must be at least 1, got 0",
        "sampling     | previews             | 0     | sampling.previews must be at least 1, got 0",
        "sampling     | sigma_min            | 0     | sampling.sigma_min must be positive and below sampling.sigma_max, "
                + "got 0.0 and 80.0",
        "sampling     | rho                  | -7    | sampling.rho must be positive, got -7.0",
    })
    void badSettingsNameTheirField(String block, String field, String value, String expected) {
        ObjectNode json = TrainingConfig.JSON.valueToTree(Presets.named("toy-2d"));
        ((ObjectNode) json.get(block)).put(field, Double.parseDouble(value));
        DiffusionException e = assertThrows(DiffusionException.class, () -> TrainingConfig.parse(json.toString(),
                "config.json"));
        assertEquals("config.json: invalid training config (" + expected + ")", e.getMessage());
    }

    /** A list grid (a DMD2 generator's levels) needs its levels, decreasing, one per step. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "list  |             | 1 | sampling.levels goes with sampling.grid = list, and only with it; got grid list and no "
                + "levels",
        "      | [80]        | 1 | sampling.levels goes with sampling.grid = list, and only with it; got grid null and "
                + "levels [80.0]",
        "list  | [80, 90]    | 2 | sampling.levels must be positive, finite and strictly decreasing, got [80.0, 90.0]",
        "list  | [80, 1]     | 3 | sampling.steps must equal the number of sampling.levels (2), got 3",
    })
    void listGridsNeedTheirLevels(String grid, String levels, int steps, String expected) {
        ObjectNode json = TrainingConfig.JSON.valueToTree(Presets.named("toy-2d"));
        ObjectNode sampling = (ObjectNode) json.get("sampling");
        if (grid != null) {
            sampling.put("grid", grid);
        }
        if (levels != null) {
            sampling.putRawValue("levels", new com.fasterxml.jackson.databind.util.RawValue(levels));
        }
        sampling.put("steps", steps);
        DiffusionException e = assertThrows(DiffusionException.class, () -> TrainingConfig.parse(json.toString(),
                "config.json"));
        assertEquals("config.json: invalid training config (" + expected + ")", e.getMessage());
        sampling.put("grid", "list").putRawValue("levels", new com.fasterxml.jackson.databind.util.RawValue(
                "[80, 2.5]"));
        sampling.put("steps", 2);
        assertEquals(java.util.List.of(80.0, 2.5), TrainingConfig.parse(json.toString(), "config.json").sampling()
                .levels());
    }

    @Test
    void zeroGradientClipAndHalfLifeStayValid() {
        ObjectNode json = TrainingConfig.JSON.valueToTree(Presets.named("toy-2d"));
        ((ObjectNode) json.get("optimization")).put("gradient_clip", 0).put("ema_half_life_images", 0);
        TrainingConfig config = TrainingConfig.parse(json.toString(), "config.json");
        assertEquals(0, config.optimization().gradientClip());
        assertTrue(new Ema(0, 0).beta(256, 256) == 0, "half-life 0: the EMA weights are the weights");
    }
}
