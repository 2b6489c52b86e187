package org.diffusion4j.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.diffusion4j.denoise.GaussianMixture;
import org.diffusion4j.denoise.MixtureSpec;
import org.junit.jupiter.api.Test;

/** Mode coverage of a mixture: exact samples cover each mode at its weight; a dropped mode shows as −100%. */
class ModeMassesTest {

    @Test
    void exactSamplesCoverTheModesAtTheirWeightsAndADroppedModeShows() {
        GaussianMixture mixture = MixtureSpec.bundled("eight-gaussians");
        int n = 40_000;
        double[][] a = mixture.sample(n, new SplittableRandom(1));
        float[] exact = new float[2 * n];
        float[] dropped = new float[2 * n];
        for (int i = 0; i < n; i++) {
            exact[2 * i] = (float) a[i][0];
            exact[2 * i + 1] = (float) a[i][1];
            // the samples of mode 0 moved onto the mean of mode 7
            boolean first = mixture.component(a[i])[0] == 0;
            dropped[2 * i] = (float) (first ? mixture.means()[7][0] : a[i][0]);
            dropped[2 * i + 1] = (float) (first ? mixture.means()[7][1] : a[i][1]);
        }
        for (int k = 0; k < 8; k++) {
            assertEquals(k, mixture.component(new double[] {mixture.means()[k][0], mixture.means()[k][1]})[0]);
        }
        ModelEvaluation.ModeMasses masses = ModelEvaluation.ModeMasses.of(mixture, exact, exact);
        assertTrue(masses.worstRelativeError() < 0.1, "exact samples: " + masses.worstRelativeError());
        ModelEvaluation.ModeMasses missing = ModelEvaluation.ModeMasses.of(mixture, dropped, exact);
        assertTrue(missing.generated()[0] < 0.2 * masses.generated()[0], "mode 0 emptied");
        assertTrue(missing.worstRelativeError() > 0.8, "" + missing.worstRelativeError());
        double total = 0;
        for (double f : missing.generated()) {
            total += f;
        }
        assertEquals(1, total, 1e-9);
    }
}
