package org.diffusion4j.degradation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.UnknownNameException;
import org.diffusion4j.backend.Backend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DegradationTest {
    private static NDManager manager;
    private static NDArray images;

    @BeforeAll
    static void open() {
        manager = Backend.newManager();
        manager.getEngine().setRandomSeed(3);
        images = manager.randomUniform(-1, 1, new Shape(3, 2, 28, 28), DataType.FLOAT64);
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    private static double maxDiff(NDArray a, NDArray b) {
        return a.sub(b).abs().max().getDouble();
    }

    @ParameterizedTest
    @ValueSource(strings = {"blur", "down-up", "saturation", "none"})
    void levelZeroIsTheIdentityAndLevelsApplyPerSample(String spec) {
        Degradation d = Degradations.parse(spec);
        assertTrue(maxDiff(d.apply(images, 0.0), images) < 1e-12, spec + " at σ = 0");
        double[] levels = {0.3, 2.0, 9.0};
        NDArray together = d.apply(images, levels);
        for (int i = 0; i < 3; i++) {
            NDArray alone = d.apply(images.get(i).expandDims(0), levels[i]);
            assertTrue(maxDiff(together.get(i).expandDims(0), alone) < 1e-12, spec + " sample " + i);
        }
        assertEquals(d.spec(), Degradations.parse(d.spec()).spec());
    }

    /** exp(τ₁Δ)exp(τ₂Δ) = exp((τ₁ + τ₂)Δ); the mean is kept; a point spreads with variance w² per axis. */
    @Test
    void heatBlurIsTheHeatSemigroup() {
        HeatBlur blur = new HeatBlur(1, 100);
        NDArray twice = blur.apply(blur.apply(images, 1.5), 2.5);
        assertTrue(maxDiff(twice, blur.apply(images, 4.0)) < 1e-12, "semigroup");
        NDArray means = images.mean(new int[] {3}).mean(new int[] {2});
        assertTrue(maxDiff(blur.apply(images, 30.0).mean(new int[] {3}).mean(new int[] {2}), means) < 1e-12, "mean");
        double[] point = new double[64 * 64];
        point[32 * 64 + 32] = 1;
        double[] spread = blur.apply(manager.create(point, new Shape(1, 1, 64, 64)), 4.0).toDoubleArray();
        double variance = 0;
        for (int i = 0; i < 64; i++) {
            for (int j = 0; j < 64; j++) {
                variance += spread[i * 64 + j] * (i - 32) * (i - 32);
            }
        }
        assertEquals(4.0, variance, 1e-9, "w² = scale²·σ");
        assertEquals(8, new HeatBlur(1, 8).width(1000), 0);
    }

    /** At the level of factor 7 every 7×7 block holds its mean; at the top level only the image mean is left. */
    @Test
    void downUpAveragesBlocks() {
        assertEquals(List.of(1, 2, 4, 7, 14, 28), DownUp.factors(28, 28));
        DownUp d = new DownUp(1);
        double[] x = images.get(0).get(0).toDoubleArray();
        double[] out = d.apply(images, Math.expm1(3)).get(0).get(0).toDoubleArray();
        for (int bi = 0; bi < 4; bi++) {
            for (int bj = 0; bj < 4; bj++) {
                double mean = 0;
                for (int i = 0; i < 7; i++) {
                    for (int j = 0; j < 7; j++) {
                        mean += x[(7 * bi + i) * 28 + 7 * bj + j] / 49;
                    }
                }
                assertEquals(mean, out[(7 * bi + 3) * 28 + 7 * bj + 5], 1e-12);
            }
        }
        NDArray flat = d.apply(images, 1e6);
        assertTrue(maxDiff(flat, images.mean(new int[] {3}, true).mean(new int[] {2}, true).broadcast(images.getShape())) < 1e-12);
        NDArray below = d.apply(images, Math.expm1(3 - 1e-9));
        assertTrue(maxDiff(below, d.apply(images, Math.expm1(3))) < 1e-7, "continuous across factors");
    }

    @Test
    void saturationIsTanhFade() {
        double[] x = images.get(0).get(0).toDoubleArray();
        double[] out = new Saturation(0.5).apply(images, 4.0).get(0).get(0).toDoubleArray();
        for (int i = 0; i < x.length; i++) {
            assertEquals(Math.tanh(2 * x[i]) / 2, out[i], 1e-15);
        }
    }

    @Test
    void badSpecsAreNamed() {
        UnknownNameException e = assertThrows(UnknownNameException.class, () -> Degradations.parse("blurr"));
        assertTrue(e.getMessage().contains("down-up"), e.getMessage());
        InvalidArgumentException option = assertThrows(InvalidArgumentException.class,
                () -> Degradations.parse("blur:width=3"));
        assertTrue(option.getMessage().contains("degradation blur has no option width"), option.getMessage());
        assertThrows(InvalidArgumentException.class, () -> Degradations.parse("saturation:gain=-1"));
    }
}
