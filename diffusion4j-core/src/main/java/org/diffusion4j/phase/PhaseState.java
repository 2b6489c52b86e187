package org.diffusion4j.phase;

import ai.djl.ndarray.NDArray;
import org.diffusion4j.ShapeMismatchException;
import org.diffusion4j.backend.Differentiable;
import org.diffusion4j.backend.NativeArrays;
import org.diffusion4j.backend.Scalars;

/**
 * The layout of a phase-space state: z = [x, m] concatenated along axis 1 (features for vectors, channels for
 * images), so a batch of d-dimensional data is (B, 2d) and a batch of C-channel images is (B, 2C, H, W). Training
 * and the phase-space score run these operations inside autograd, so block coefficients always enter as
 * engine-owned arrays ({@link Scalars}, {@link NativeArrays}), never as Java numbers.
 */
@Differentiable
public final class PhaseState {
    private PhaseState() {}

    /** The data half x. */
    public static NDArray position(NDArray z) {
        return half(z, 0);
    }

    /** The velocity half m. */
    public static NDArray velocity(NDArray z) {
        return half(z, 1);
    }

    /** [x, m]. */
    public static NDArray join(NDArray x, NDArray m) {
        return x.concat(m, 1);
    }

    /** The same 2×2 block applied to every (x, m) pair: [a·x + b·m, c·x + d·m]. */
    public static NDArray apply(Matrix2 block, NDArray z) {
        NDArray x = position(z);
        NDArray m = velocity(z);
        return join(Scalars.times(x, block.a()).add(Scalars.times(m, block.b())),
                Scalars.times(x, block.c()).add(Scalars.times(m, block.d())));
    }

    /** Block {@code blocks[i]} applied to every (x, m) pair of sample i. */
    public static NDArray apply(Matrix2[] blocks, NDArray z) {
        int n = blocks.length;
        double[] a = new double[n];
        double[] b = new double[n];
        double[] c = new double[n];
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = blocks[i].a();
            b[i] = blocks[i].b();
            c[i] = blocks[i].c();
            d[i] = blocks[i].d();
        }
        NDArray x = position(z);
        NDArray m = velocity(z);
        return join(x.mul(NativeArrays.perSample(a, x)).add(m.mul(NativeArrays.perSample(b, x))),
                x.mul(NativeArrays.perSample(c, x)).add(m.mul(NativeArrays.perSample(d, x))));
    }

    private static NDArray half(NDArray z, int which) {
        long width = z.getShape().get(1);
        if (width % 2 != 0) {
            throw new ShapeMismatchException("a phase-space state has an even size on axis 1 ([x, m]), got shape "
                    + z.getShape());
        }
        long h = width / 2;
        return z.get(":, " + which * h + ":" + (which + 1) * h);
    }
}
