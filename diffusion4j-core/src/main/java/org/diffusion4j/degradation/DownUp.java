package org.diffusion4j.degradation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.ShapeMismatchException;
import org.diffusion4j.backend.Differentiable;
import org.diffusion4j.backend.Scalars;

/**
 * Down-then-up sampling, the super-resolution corruption of Bansal et al. (2023, "Cold Diffusion", Section 4):
 * average-pool by a factor f, then repeat each pixel f×f. The factors are the common divisors of H and W (1, 2, 4,
 * 7, 14, 28 for MNIST), and the level ℓ(σ) = min(L, scale·ln(1 + σ)) moves continuously through them, blending the
 * two neighbouring factors linearly, so A_σ is continuous in σ and A_0 is the identity.
 *
 * @param scale how fast the level grows with ln(1 + σ)
 */
@Differentiable
public record DownUp(double scale) implements Degradation {

    public DownUp {
        if (!(scale > 0)) {
            throw new InvalidArgumentException("down-up needs scale > 0, got " + scale);
        }
    }

    @Override
    public NDArray apply(NDArray x0, double sigma) {
        Shape shape = x0.getShape();
        if (shape.dimension() != 4) {
            throw new ShapeMismatchException("down-up acts on images (N, C, H, W), got " + shape);
        }
        List<Integer> factors = factors((int) shape.get(2), (int) shape.get(3));
        double level = Math.min(factors.size() - 1, scale * Math.log1p(sigma));
        int k = (int) Math.floor(level);
        double blend = level - k;
        NDArray low = pooled(x0, factors.get(k));
        if (blend == 0) {
            return low;
        }
        NDArray high = pooled(x0, factors.get(k + 1));
        return Scalars.times(low, 1 - blend).add(Scalars.times(high, blend));
    }

    /** Average over f×f blocks, then repeat each block mean over its block. */
    private static NDArray pooled(NDArray x, int f) {
        if (f == 1) {
            return x.duplicate();
        }
        Shape s = x.getShape();
        long h = s.get(2) / f;
        long w = s.get(3) / f;
        return x.reshape(s.get(0), s.get(1), h, f, w, f).mean(new int[] {5}).mean(new int[] {3}).repeat(2, f).repeat(3, f);
    }

    /** The common divisors of h and w, ascending. */
    static List<Integer> factors(int h, int w) {
        List<Integer> out = new ArrayList<>();
        for (int f = 1; f <= Math.min(h, w); f++) {
            if (h % f == 0 && w % f == 0) {
                out.add(f);
            }
        }
        return out;
    }

    @Override
    public String spec() {
        return String.format(Locale.ROOT, "down-up:scale=%s", scale);
    }
}
