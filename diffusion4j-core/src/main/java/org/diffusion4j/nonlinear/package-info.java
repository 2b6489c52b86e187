/**
 * Forward processes beyond the linear-Gaussian ones, dX = f_t(X) dt + g_t dB with a non-linear drift f, and the
 * restoration–degradation view of deterministic sampling (Chen, Daras &amp; Dimakis 2023) that generalizes DDIM to
 * them. Work is in the process's own coordinates and times; the score field is whatever the caller has (an exact
 * one for tests, a network otherwise).
 */
package org.diffusion4j.nonlinear;
