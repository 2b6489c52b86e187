package org.diffusion4j.restore;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.ShapeMismatchException;
import org.diffusion4j.SpecOptions;
import org.diffusion4j.backend.NativeArrays;
import org.diffusion4j.backend.Scalars;
import org.diffusion4j.degradation.HeatBlur;

/**
 * A restoration task: the observation y = A(x) + σ_y·n of an image batch x (N, C, H, W) in [−1, 1], with A linear
 * and known exactly. Each task gives A ({@link #measure}), its adjoint Aᵀ ({@link #adjoint}: ⟨A x, y⟩ = ⟨x, Aᵀy⟩,
 * what gradient-based posterior samplers need), and the image-shaped prior x₁ a bridge starts from
 * ({@link #prior}: A⁺y for super-resolution and inpainting, y itself where y is an image). Operators use no
 * {@code NDArray op Number} arithmetic, so they are safe inside autograd.
 */
public sealed interface RestorationTask permits RestorationTask.SuperResolution, RestorationTask.Inpainting,
        RestorationTask.Denoising, RestorationTask.Deblurring {

    /** The task as {@link #byName} reads it back. */
    String spec();

    /** σ_y, the standard deviation of the observation's noise. */
    double noise();

    /** A(x), the noiseless observation. */
    NDArray measure(NDArray x);

    /** Aᵀ(y), an image. */
    NDArray adjoint(NDArray y);

    /** x₁, the image-shaped start of a bridge from the observation y. */
    NDArray prior(NDArray y);

    /**
     * White standard normal noise in the observation's space from standard normal noise {@code n} shaped like the
     * images, so one image-shaped draw serves every task.
     */
    NDArray whiten(NDArray n);

    /**
     * s when every non-zero singular value of A is s (A·Aᵀ = s²·I on A's range), so that {@link #prior} is the
     * pseudo-inverse A⁺ and prior(A(x)) the orthogonal projection of x onto A's row space: what projection-type
     * posterior samplers (DDRM) need; NaN for an operator without that structure.
     */
    default double uniformSingularValue() {
        return Double.NaN;
    }

    /** y = A(x) + σ_y·w, w = {@link #whiten}(n) for standard normal {@code n} shaped like x. */
    default NDArray observe(NDArray x, NDArray n) {
        NDArray clean = measure(x);
        return noise() == 0 ? clean : clean.add(Scalars.times(whiten(n), noise()));
    }

    /**
     * f× super-resolution (28 → 7 → 28 at f = 4): A averages f×f blocks, so A·Aᵀ = I/f² and the prior
     * A⁺y = f²·Aᵀy repeats each low-resolution pixel over its block.
     *
     * @param factor the block size f
     * @param noise σ_y
     */
    record SuperResolution(int factor, double noise) implements RestorationTask {
        public SuperResolution {
            if (factor < 2) {
                throw new InvalidArgumentException("super-resolution needs factor ≥ 2, got " + factor);
            }
            checkNoise(noise);
        }

        @Override
        public String spec() {
            return "sr:factor=" + factor + ",noise=" + noise;
        }

        @Override
        public NDArray measure(NDArray x) {
            Shape s = images(x, "super-resolution");
            if (s.get(2) % factor != 0 || s.get(3) % factor != 0) {
                throw new ShapeMismatchException("super-resolution by " + factor + " needs a size divisible by it, "
                        + "got " + s);
            }
            return x.reshape(s.get(0), s.get(1), s.get(2) / factor, factor, s.get(3) / factor, factor)
                    .mean(new int[] {5}).mean(new int[] {3});
        }

        @Override
        public NDArray adjoint(NDArray y) {
            return Scalars.times(prior(y), 1.0 / (factor * factor));
        }

        /** 1/f: each row of A is 1/f² on f² pixels. */
        @Override
        public double uniformSingularValue() {
            return 1.0 / factor;
        }

        /** f·A(n): block means of white noise have standard deviation 1/f. */
        @Override
        public NDArray whiten(NDArray n) {
            return Scalars.times(measure(n), factor);
        }

        @Override
        public NDArray prior(NDArray y) {
            images(y, "super-resolution");
            return y.repeat(2, factor).repeat(3, factor);
        }
    }

    /**
     * Inpainting: A keeps the pixels outside a size×size box whose top-left corner is (top, left) and zeroes the
     * box, so A = Aᵀ = A⁺ is a mask and y stays an image.
     *
     * @param top the box's first row
     * @param left its first column
     * @param size its side
     * @param noise σ_y
     */
    record Inpainting(int top, int left, int size, double noise) implements RestorationTask {
        public Inpainting {
            if (top < 0 || left < 0 || size < 1) {
                throw new InvalidArgumentException("inpainting needs top, left ≥ 0 and size ≥ 1, got " + top + ", "
                        + left + ", " + size);
            }
            checkNoise(noise);
        }

        @Override
        public String spec() {
            return "inpaint:top=" + top + ",left=" + left + ",size=" + size + ",noise=" + noise;
        }

        /** The mask, 1 outside the box and 0 inside, shaped (1, 1, H, W). */
        public NDArray mask(NDArray like) {
            Shape s = images(like, "inpainting");
            if (top + size > s.get(2) || left + size > s.get(3)) {
                throw new ShapeMismatchException("the inpainting box " + spec() + " does not fit images " + s);
            }
            int h = (int) s.get(2);
            int w = (int) s.get(3);
            float[] mask = new float[h * w];
            for (int i = 0; i < h; i++) {
                for (int j = 0; j < w; j++) {
                    boolean inside = i >= top && i < top + size && j >= left && j < left + size;
                    mask[i * w + j] = inside ? 0 : 1;
                }
            }
            return like.getManager().create(mask, new Shape(1, 1, h, w)).toType(like.getDataType(), false);
        }

        @Override
        public NDArray measure(NDArray x) {
            return x.mul(mask(x));
        }

        @Override
        public NDArray adjoint(NDArray y) {
            return measure(y);
        }

        /** 1: A is a 0/1 mask. */
        @Override
        public double uniformSingularValue() {
            return 1;
        }

        /** The noise on the observed pixels; the box stays 0. */
        @Override
        public NDArray whiten(NDArray n) {
            return measure(n);
        }

        @Override
        public NDArray prior(NDArray y) {
            return measure(y);
        }
    }

    /** Denoising: A = I, y = x + σ_y·n (σ_y = 0.5 by default), and the prior is y. */
    record Denoising(double noise) implements RestorationTask {
        public Denoising {
            checkNoise(noise);
            if (noise == 0) {
                throw new InvalidArgumentException("denoising needs noise > 0");
            }
        }

        @Override
        public String spec() {
            return "denoise:noise=" + noise;
        }

        @Override
        public double uniformSingularValue() {
            return 1;
        }

        @Override
        public NDArray measure(NDArray x) {
            return NativeArrays.differentiableCopy(x, x.getDataType());
        }

        @Override
        public NDArray adjoint(NDArray y) {
            return NativeArrays.differentiableCopy(y, y.getDataType());
        }

        @Override
        public NDArray whiten(NDArray n) {
            return n;
        }

        @Override
        public NDArray prior(NDArray y) {
            return NativeArrays.differentiableCopy(y, y.getDataType());
        }
    }

    /**
     * Deblurring: A blurs by the heat equation with reflecting edges for a Gaussian width of {@code width} pixels
     * ({@link HeatBlur}), a symmetric operator (Aᵀ = A); the prior is y.
     *
     * @param width the blur's Gaussian width in pixels
     * @param noise σ_y
     */
    record Deblurring(double width, double noise) implements RestorationTask {
        public Deblurring {
            if (!(width > 0 && Double.isFinite(width))) {
                throw new InvalidArgumentException("deblurring needs width > 0, got " + width);
            }
            checkNoise(noise);
        }

        @Override
        public String spec() {
            return "deblur:width=" + width + ",noise=" + noise;
        }

        @Override
        public NDArray measure(NDArray x) {
            images(x, "deblurring");
            return new HeatBlur(width, width).apply(x, 1.0);
        }

        @Override
        public NDArray adjoint(NDArray y) {
            return measure(y);
        }

        @Override
        public NDArray whiten(NDArray n) {
            return n;
        }

        @Override
        public NDArray prior(NDArray y) {
            return NativeArrays.differentiableCopy(y, y.getDataType());
        }
    }

    /**
     * The task of {@code spec}: {@code sr4} (4× super-resolution, noiseless) or {@code sr[:factor=4,noise=0]},
     * {@code inpaint[:top=8,left=8,size=12,noise=0]}, {@code denoise[:noise=0.5]},
     * {@code deblur[:width=2,noise=0.02]}; unknown names list the known ones.
     */
    static RestorationTask byName(String spec) {
        Map<String, Function<SpecOptions, RestorationTask>> byName = new LinkedHashMap<>();
        byName.put("sr4", o -> new SuperResolution(4, o.number("noise", 0)));
        byName.put("sr", o -> new SuperResolution(o.integer("factor", 4), o.number("noise", 0)));
        byName.put("inpaint", o -> new Inpainting(o.integer("top", 8), o.integer("left", 8), o.integer("size", 12),
                o.number("noise", 0)));
        byName.put("denoise", o -> new Denoising(o.number("noise", 0.5)));
        byName.put("deblur", o -> new Deblurring(o.number("width", 2), o.number("noise", 0.02)));
        return SpecOptions.create("task", spec, byName);
    }

    private static void checkNoise(double noise) {
        if (!(noise >= 0 && Double.isFinite(noise))) {
            throw new InvalidArgumentException("a task's noise σ_y must be a finite number ≥ 0, got " + noise);
        }
    }

    private static Shape images(NDArray x, String task) {
        Shape s = x.getShape();
        if (s.dimension() != 4) {
            throw new ShapeMismatchException(task + " acts on image batches (N, C, H, W), got " + s);
        }
        return s;
    }
}
