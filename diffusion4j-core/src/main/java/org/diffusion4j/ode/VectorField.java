package org.diffusion4j.ode;

import ai.djl.ndarray.NDArray;

/** The right-hand side f(t, y) of an ODE dy/dt = f(t, y) over arrays; the result goes in the manager of y. */
@FunctionalInterface
public interface VectorField {
    NDArray at(double t, NDArray y);
}
