package org.diffusion4j.generate;

import org.diffusion4j.InvalidArgumentException;

/** Checks of a request's conditions against what a model takes, shared by the generators. */
final class Conditions {
    private Conditions() {}

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
