/**
 * Data-to-data bridges: the tractable Schrödinger bridge of Bridge-TTS (Chen, He, Zheng, Tan &amp; Zhu 2023) between
 * a data point x₀ and an informative prior x₁ built from the observation (an upsampled low-resolution image, a
 * text encoder's mel), on a reference SDE dx = f(t)·x dt + g(t) dw: its schedules ({@link BridgeSchedule}), its
 * marginal x_t = a_t·x₀ + b_t·x₁ + c_t·ε, and the first-order bridge SDE and ODE samplers driven by a
 * data prediction x̂₀(x_t, t, x₁) ({@link BridgeSampler}).
 */
package org.diffusion4j.bridge;
