package org.diffusion4j.restore;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.List;
import java.util.SplittableRandom;
import org.diffusion4j.DiffusionException;
import org.diffusion4j.ShapeMismatchException;
import org.diffusion4j.backend.Backend;
import org.junit.jupiter.api.Test;

/** The restoration tasks' operators against their defining identities. */
class RestorationTaskTest {

    private static final List<RestorationTask> TASKS = List.of(RestorationTask.byName("sr4"),
            RestorationTask.byName("inpaint"), RestorationTask.byName("denoise"), RestorationTask.byName("deblur"));

    @Test
    void specsReadBackAndBadOnesAreNamed() {
        assertEquals(new RestorationTask.SuperResolution(4, 0), TASKS.get(0));
        assertEquals(new RestorationTask.Inpainting(8, 8, 12, 0), TASKS.get(1));
        assertEquals(new RestorationTask.Denoising(0.5), TASKS.get(2));
        assertEquals(new RestorationTask.Deblurring(2, 0.02), TASKS.get(3));
        for (RestorationTask task : TASKS) {
            assertEquals(task, RestorationTask.byName(task.spec()));
        }
        DiffusionException e = assertThrows(DiffusionException.class, () -> RestorationTask.byName("colorize"));
        assertEquals("unknown task 'colorize'; known tasks: sr4, sr, inpaint, denoise, deblur", e.getMessage());
        try (NDManager m = Backend.newManager()) {
            NDArray small = m.zeros(new Shape(1, 1, 16, 16));
            e = assertThrows(ShapeMismatchException.class, () -> TASKS.get(1).measure(small));
            assertTrue(e.getMessage().contains("does not fit images (1, 1, 16, 16)"), e.getMessage());
            e = assertThrows(ShapeMismatchException.class, () -> TASKS.get(0).measure(m.zeros(new Shape(1, 1, 30, 30))));
            assertTrue(e.getMessage().contains("needs a size divisible by it"), e.getMessage());
        }
    }

    /** ⟨A x, y⟩ = ⟨x, Aᵀ y⟩ for random x and y, in float64. */
    @Test
    void theAdjointIsTheTranspose() {
        try (NDManager m = Backend.newManager()) {
            for (RestorationTask task : TASKS) {
                NDArray x = random(m, new Shape(3, 1, 28, 28), 1);
                NDArray ax = task.measure(x);
                NDArray y = random(m, ax.getShape(), 2);
                double left = ax.mul(y).sum().getDouble();
                double right = x.mul(task.adjoint(y)).sum().getDouble();
                assertEquals(left, right, 1e-10 * Math.abs(left), task.spec());
            }
        }
    }

    /**
     * The operators carry autograd's gradient (DPS differentiates A, the attack differentiates the prior): for each
     * task the gradient of ⟨v, A x⟩ in x is Aᵀv, and the gradient g of ⟨1, x₁(y)⟩ in y satisfies ⟨g, u⟩ =
     * ⟨1, x₁(u)⟩, x₁ being linear. DJL's {@code duplicate()} detaches, so an identity written with it fails here.
     */
    @Test
    void theOperatorsCarryTheGradient() {
        try (NDManager m = Backend.newManager()) {
            for (RestorationTask task : TASKS) {
                NDArray x = random(m, new Shape(2, 1, 28, 28), 5);
                NDArray v = random(m, task.measure(x).getShape(), 6);
                x.setRequiresGradient(true);
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    collector.backward(task.measure(x).mul(v).sum());
                }
                assertArrayEquals(task.adjoint(v).toDoubleArray(), x.getGradient().toDoubleArray(), 1e-12,
                        task.spec() + ": the gradient of A");
                NDArray y = random(m, v.getShape(), 7);
                NDArray u = random(m, v.getShape(), 8);
                y.setRequiresGradient(true);
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    collector.backward(task.prior(y).sum());
                }
                double expected = task.prior(u).sum().getDouble();
                assertEquals(expected, y.getGradient().mul(u).sum().getDouble(), 1e-10 * (1 + Math.abs(expected)),
                        task.spec() + ": the gradient of the prior");
            }
        }
    }

    /**
     * The prior is consistent with the observation where A has a right inverse: A(x₁) = y for super-resolution
     * (A·Aᵀ = I/16) and inpainting (a mask).
     */
    @Test
    void thePriorReproducesTheObservation() {
        try (NDManager m = Backend.newManager()) {
            NDArray x = random(m, new Shape(2, 1, 28, 28), 3);
            for (RestorationTask task : TASKS.subList(0, 2)) {
                NDArray y = task.measure(x);
                assertArrayEquals(y.toDoubleArray(), task.measure(task.prior(y)).toDoubleArray(), 1e-12, task.spec());
            }
            assertEquals(new Shape(2, 1, 7, 7), TASKS.get(0).measure(x).getShape());
            NDArray y = TASKS.get(0).measure(x);
            assertArrayEquals(y.div(16).toDoubleArray(), TASKS.get(0).measure(TASKS.get(0).adjoint(y))
                    .toDoubleArray(), 1e-12, "A·Aᵀ = I/16");
        }
    }

    /** The box is zero after inpainting's A and nothing else changes; the blur keeps each image's mean. */
    @Test
    void inpaintingMasksTheBoxAndBlurKeepsTheMean() {
        try (NDManager m = Backend.newManager()) {
            NDArray x = random(m, new Shape(2, 1, 28, 28), 4);
            double[] masked = TASKS.get(1).measure(x).toDoubleArray();
            double[] original = x.toDoubleArray();
            int zeros = 0;
            for (int i = 0; i < masked.length; i++) {
                int row = (i / 28) % 28;
                int column = i % 28;
                boolean inside = row >= 8 && row < 20 && column >= 8 && column < 20;
                assertEquals(inside ? 0 : original[i], masked[i], 0.0);
                zeros += inside ? 1 : 0;
            }
            assertEquals(2 * 144, zeros);
            NDArray blurred = TASKS.get(3).measure(x);
            assertArrayEquals(x.reshape(2, -1).mean(new int[] {1}).toDoubleArray(), blurred.reshape(2, -1)
                    .mean(new int[] {1}).toDoubleArray(), 1e-12, "the heat blur keeps the mean");
            assertTrue(x.sub(blurred).abs().max().getDouble() > 0.1, "and it blurs");
        }
    }

    @Test
    void anObservationIsTheMeasurementPlusItsNoise() {
        try (NDManager m = Backend.newManager()) {
            NDArray x = random(m, new Shape(2, 1, 28, 28), 5);
            NDArray n = random(m, new Shape(2, 1, 28, 28), 6);
            NDArray y = TASKS.get(2).observe(x, n);
            assertArrayEquals(x.add(n.mul(0.5)).toDoubleArray(), y.toDoubleArray(), 1e-15);
            NDArray low = TASKS.get(0).observe(x, n);
            assertArrayEquals(TASKS.get(0).measure(x).toDoubleArray(), low.toDoubleArray(), 0.0, "noiseless sr4");
            // whitened: unit variance in the observation's space, for any image-shaped standard normal draw
            NDArray white = new RestorationTask.SuperResolution(4, 0.1).whiten(standardNormal(m, new Shape(400, 1, 28,
                    28)));
            assertEquals(new Shape(400, 1, 7, 7), white.getShape());
            assertEquals(1, white.mul(white).mean().getDouble(), 0.02, "f·A(n) has unit variance");
        }
    }

    private static NDArray standardNormal(NDManager m, Shape shape) {
        SplittableRandom random = new SplittableRandom(8);
        double[] v = new double[(int) shape.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = random.nextGaussian();
        }
        return m.create(v, shape);
    }

    private static NDArray random(NDManager m, Shape shape, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double[] v = new double[(int) shape.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = random.nextDouble(-1, 1);
        }
        return m.create(v, shape).toType(DataType.FLOAT64, false);
    }
}
