package org.diffusion4j.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.ShapeMismatchException;
import org.diffusion4j.denoise.GaussianMixture;
import org.diffusion4j.denoise.MixtureSpec;
import org.junit.jupiter.api.Test;

class MetricsTest {

    @Test
    void slicedWassersteinOfAShift() {
        SplittableRandom random = new SplittableRandom(1);
        double[][] a = new double[2000][3];
        double[][] b = new double[2000][3];
        double[] shift = {0.3, -0.4, 1.2};
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < 3; j++) {
                a[i][j] = random.nextGaussian();
                b[i][j] = a[i][j] + shift[j];
            }
        }
        assertEquals(0, SlicedWasserstein.distance(a, a, 64, 5), 0);
        // every projection moves by ⟨shift, θ⟩, and E⟨shift, θ⟩² = |shift|²/d over uniform directions
        double expected = Math.sqrt((0.09 + 0.16 + 1.44) / 3);
        assertEquals(expected, SlicedWasserstein.distance(a, b, 4000, 5), 0.02);
        double[][] line = {{0}, {1}, {2}};
        double[][] moved = {{2.5}, {0.5}, {1.5}};
        assertEquals(0.5, SlicedWasserstein.distance(line, moved, 3, 9), 1e-15);
        assertThrows(ShapeMismatchException.class, () -> SlicedWasserstein.distance(a, line, 1, 0));
    }

    /** W₁(δ_0, N(0, 1)) = E|X| = √(2/π); two atoms in closed form; a shift by c moves W₁ by |c| (up to the samples' own error). */
    @Test
    void wassersteinToAMixtureIsExact() {
        GaussianMixture normal = new GaussianMixture(new double[] {1}, new double[][] {{0}}, new double[][] {{1}});
        assertEquals(Math.sqrt(2 / Math.PI), Wasserstein1d.toMixture(new double[] {0}, normal), 1e-12);
        // ½δ₋₁ + ½δ₁: E|X − sign X| = 2(2Φ(1) − 3/2 − φ(0) + 2φ(1))
        assertEquals(0.5353773215478798, Wasserstein1d.toMixture(new double[] {1, -1}, normal), 1e-12);
        GaussianMixture mixture = MixtureSpec.bundled("two-gaussians-1d");
        double[] draws = Arrays.stream(mixture.sample(200_000, new SplittableRandom(2))).mapToDouble(r -> r[0])
                .toArray();
        assertEquals(0, Wasserstein1d.toMixture(draws, mixture), 0.006);
        double[] shifted = Arrays.stream(draws).map(v -> v + 0.3).toArray();
        assertEquals(0.3, Wasserstein1d.toMixture(shifted, mixture), 0.006);
        assertThrows(ShapeMismatchException.class, () -> Wasserstein1d.toMixture(draws,
                MixtureSpec.bundled("eight-gaussians")));
    }

    @Test
    void orderOfAnExactPowerLaw() {
        double[] nfe = {10, 20, 40, 80};
        double[] error = new double[nfe.length];
        for (int i = 0; i < nfe.length; i++) {
            error[i] = 3.7 * Math.pow(nfe[i], -2.5);
        }
        assertEquals(2.5, ConvergenceOrder.fit(nfe, error), 1e-12);
        assertThrows(InvalidArgumentException.class, () -> ConvergenceOrder.fit(new double[] {1}, new double[] {1}));
        assertThrows(InvalidArgumentException.class,
                () -> ConvergenceOrder.fit(new double[] {1, 2}, new double[] {1, 0}));
    }
}
