/**
 * Image restoration: the degradations a restorer inverts, as tasks with an exact forward operator A, its adjoint
 * and the noise of the observation y = A(x) + σ_y·n ({@link RestorationTask}); the bridges of {@code bridge} start
 * from each task's image-shaped prior x₁ built from y.
 */
package org.diffusion4j.restore;
