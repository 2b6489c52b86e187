/**
 * Phase-space diffusions: the data x is paired with an auxiliary velocity m, and the pair z = [x, m] follows a
 * linear SDE dz = F_t z dt + G_t dW whose coefficients act on each (x, m) pair of coordinates through one 2×2 block.
 * PSLD (Pandey &amp; Mandt 2023) is the family implemented here; CLD (Dockhorn et al. 2022) is its Γ = 0 member.
 */
package org.diffusion4j.phase;
