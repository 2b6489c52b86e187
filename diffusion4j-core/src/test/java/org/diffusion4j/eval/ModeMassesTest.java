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

    /** Exact samples fall outside the 99% region about 1% of the time; samples off the ring always do. */
    @Test
    void theSupportMeasureFindsOnePercentOfExactSamplesOutsideAndOffSupportSamplesAllOutside() {
        GaussianMixture mixture = MixtureSpec.bundled("eight-gaussians");
        int n = 20_000;
        double[][] a = mixture.sample(n, new SplittableRandom(2));
        float[] exact = new float[2 * n];
        float[] between = new float[2 * n];
        for (int i = 0; i < n; i++) {
            exact[2 * i] = (float) a[i][0];
            exact[2 * i + 1] = (float) a[i][1];
            // the origin (the ring's centre) and points at three times a mode's radius lie far from every mode
            between[2 * i] = (float) (i % 2 == 0 ? 0 : 3 * mixture.means()[i % 8][0]);
            between[2 * i + 1] = (float) (i % 2 == 0 ? 0 : 3 * mixture.means()[i % 8][1]);
        }
        try (ai.djl.ndarray.NDManager m = org.diffusion4j.backend.Backend.newManager()) {
            ModelEvaluation.Support s = ModelEvaluation.Support.of(mixture, 0.99, exact, between, m);
            assertEquals(0.01, s.generated(), 0.003, "exact samples: 1% ± 3 standard errors (0.07%)");
            assertEquals(1, s.real(), 0.0, "every point off the ring is outside");
        }
    }
}
