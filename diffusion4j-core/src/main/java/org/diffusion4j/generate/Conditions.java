package org.diffusion4j.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.ShapeMismatchException;
import org.diffusion4j.backend.NativeArrays;
import org.diffusion4j.restore.RestorationTask;

/** Checks of a request's conditions against what a model takes, shared by the generators. */
final class Conditions {
    private Conditions() {}

    /**
     * Refuses, by name, what a model that samples on its own time grid from its own prior cannot honour: a grid (or no
     * final zero), a start, a noise kind, a type other than float32, guidance; and requires a budget.
     *
     * @param model the model in messages, e.g. "a phase-space model"
     * @param grid why it takes no grid; {@code start}, {@code noise}: why no start, no noise kind
     */
    static void refuseGaussianOptions(GenerationRequest request, String model, String grid, String start,
            String noise) {
        refuse(request.grid() != null || !request.finalZero(), model, "a grid (" + grid + ")");
        refuse(request.start() != null, model, "a given start (" + start + ")");
        refuse(request.temperature() != 1, model, "a temperature (" + start + ")");
        refuse(request.noise() != null, model, "a noise kind (" + noise + ")");
        refuse(request.dtype() != DataType.FLOAT32, model, "dtype " + request.dtype() + " (it samples in float32)");
        refuse(request.guidance() != 1, model, "classifier-free guidance");
        if (request.budget() == null) {
            throw new InvalidArgumentException("a generation needs a budget: steps or NFE");
        }
    }

    /** Refuses an observation: only a restoration model takes one. */
    static void refuseObservation(GenerationRequest request, String model) {
        refuse(request.observation() != null, model, "an observation (only a restoration model does)");
    }

    /**
     * The prior x₁ = prior(y) of each observation of {@code request} (one per seed, required), in {@code manager}:
     * what a restoration model of {@code task} (named {@code taskName} in messages) starts from or is conditioned
     * on, checked to be one image of {@code sampleShape} per seed.
     */
    static NDArray prior(GenerationRequest request, RestorationTask task, String taskName, Shape sampleShape,
            NDManager manager) {
        return task.prior(observation(request, task, taskName, sampleShape, manager));
    }

    /**
     * The observations y of {@code request} (one per seed, required) as float32 in {@code manager}, checked to give
     * priors of one image of {@code sampleShape} per seed; a copy gradients flow through, for attacks.
     */
    static NDArray observation(GenerationRequest request, RestorationTask task, String taskName, Shape sampleShape,
            NDManager manager) {
        if (request.observation() == null) {
            throw new InvalidArgumentException("a restoration model restores observations: give one per seed ("
                    + taskName + ")");
        }
        NDArray y = NativeArrays.differentiableCopy(request.observation(), DataType.FLOAT32);
        y.attach(manager);
        Shape expected = new Shape(request.seeds().length).addAll(sampleShape);
        Shape prior = task.prior(y).getShape();
        if (!prior.equals(expected)) {
            throw new ShapeMismatchException("observations shaped " + y.getShape() + " give priors shaped " + prior
                    + ", but this model restores images " + expected + " (" + taskName + ")");
        }
        return y;
    }

    private static void refuse(boolean asked, String model, String what) {
        if (asked) {
            throw new InvalidArgumentException(model + " does not take " + what);
        }
    }

    /** Fails unless every class of {@code request} is one of the model's {@code count} classes. */
    static void requireClasses(GenerationRequest request, int count) {
        int[] classes = request.classes();
        if (classes == null) {
            if (request.guidance() != 1) {
                throw new InvalidArgumentException("guidance scale " + request.guidance() + " needs a class per sample "
                        + "(and a class-conditional model); leave it at 1");
            }
            return;
        }
        if (count == 0) {
            throw new InvalidArgumentException("the model is unconditional; it cannot sample given classes");
        }
        for (int c : classes) {
            if (c < 0 || c >= count) {
                throw new InvalidArgumentException("class " + c + " is out of range: the model has " + count
                        + " classes, 0 … " + (count - 1));
            }
        }
    }
}
