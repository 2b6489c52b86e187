package org.diffusion4j.backend;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a class whose array code may run inside an autograd graph outside the packages that are checked whole
 * ({@code backend}, {@code nn}, {@code train}): for example the preconditioning and the denoisers, the
 * degradations, the phase-space states and scores, the likelihood. Such code must not call an {@code NDArray}
 * method taking a {@code Number} (use {@link Scalars}); an architecture test checks every marked class and those
 * packages.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface Differentiable {}
