package org.diffusion4j.sample;

import ai.djl.ndarray.NDArray;
import org.diffusion4j.denoise.Denoiser;
import org.diffusion4j.grid.Grid;

/**
 * The accelerated deterministic sampler of Li, Huang, Efimov, Wei, Chi &amp; Chen (2024), which converges as O(1/T²)
 * where DDIM converges as O(1/T), on the VP chain of the grid ({@link VpChain}; a_t = ᾱ at the current level, a_n at
 * the next, a_p at the previous one, ε_t the network's noise estimate). Two forms:
 *
 * <p>{@code multistep} (default; the authors' experiments, README of their code), one call per step: the DDIM step
 * plus a correction that integrates ε linearly interpolated in ᾱ between the last two levels exactly,
 * <pre>
 * X_n = √(a_n/a_t)·X_t + (√(1 − a_n) − √(a_n/a_t)·√(1 − a_t))·ε_t
 *       + √a_n/(a_t − a_p)·[a_t√(1 − a_n)/√a_n + asin√a_n − a_t√(1 − a_t)/√a_t − asin√a_t]·(ε_{t+1} − ε_t)
 * </pre>
 * (the first step is DDIM).
 *
 * <p>{@code theory} (the form the analysis treats), two calls per step, with α_t = a_t/a_n and α_{t+1} = a_p/a_t:
 * <pre>
 * Y⁻ = √α_{t+1}·(Y_t − (1 − α_{t+1})/2·s_t(Y_t))
 * Y_{t−1} = [Y_t + (1 − α_t)/2·s_t(Y_t) + (1 − α_t)²/(4(1 − α_{t+1}))·(s_t(Y_t) − √α_{t+1}·s_{t+1}(Y⁻))]/√α_t
 * </pre>
 * where the first step extends the grid backwards with α_{t+1} = α_t. This form could not be checked against the
 * paper's printed equations (they were not available); it is second-order consistent by Taylor expansion (the
 * s_t − s_{t+1} term is the first-derivative correction, √α_{t+1} supplies the (1 − α)²/8 term) and the
 * convergence tests measure it.
 *
 * @param form {@code MULTISTEP} or {@code THEORY}
 */
public record AcceleratedDdim(Form form) implements Sampler {

    /** Which update. */
    public enum Form {
        MULTISTEP, THEORY
    }

    public AcceleratedDdim() {
        this(Form.MULTISTEP);
    }

    @Override
    public String name() {
        return "accel-ddim";
    }

    @Override
    public int evaluationsPerStep() {
        return form == Form.THEORY ? 2 : 1;
    }

    @Override
    public NDArray sample(Denoiser denoiser, NDArray input, Grid grid, NoiseSource noise, StepCallback callback) {
        return form == Form.THEORY ? theory(denoiser, input, grid, callback) : multistep(denoiser, input, grid,
                callback);
    }

    private NDArray multistep(Denoiser denoiser, NDArray input, Grid grid, StepCallback callback) {
        try (SamplingLoop loop = new SamplingLoop(name(), input, grid)) {
            NDArray x = loop.start();
            NDArray previousEps = null;
            for (int i = 0; i < grid.steps(); i++) {
                try (SamplingLoop.Step step = loop.step(i, x, previousEps)) {
                    double sigma = grid.sigma(i);
                    double at = VpChain.alphaBar(sigma);
                    double an = VpChain.alphaBar(grid.sigma(i + 1));
                    NDArray denoised = denoiser.denoise(x, sigma);
                    callback.onStep(new StepInfo(i, grid.steps(), sigma, sigma, x, denoised));
                    NDArray eps = x.sub(denoised).div(sigma);
                    NDArray y = x.mul(Math.sqrt(at));
                    NDArray yNext = y.mul(Math.sqrt(an / at))
                            .add(eps.mul(Math.sqrt(1 - an) - Math.sqrt(an / at) * Math.sqrt(1 - at)));
                    if (previousEps != null) {
                        double ap = VpChain.alphaBar(grid.sigma(i - 1));
                        double bracket = at * Math.sqrt(1 - an) / Math.sqrt(an) + Math.asin(Math.sqrt(an))
                                - at * Math.sqrt(1 - at) / Math.sqrt(at) - Math.asin(Math.sqrt(at));
                        yNext = yNext.add(previousEps.sub(eps).mul(Math.sqrt(an) / (at - ap) * bracket));
                    }
                    x = step.advance(yNext.div(Math.sqrt(an)));
                    previousEps = step.keep(eps);
                }
            }
            return loop.finish(x);
        }
    }

    private NDArray theory(Denoiser denoiser, NDArray input, Grid grid, StepCallback callback) {
        try (SamplingLoop loop = new SamplingLoop(name(), input, grid)) {
            NDArray x = loop.start();
            for (int i = 0; i < grid.steps(); i++) {
                try (SamplingLoop.Step step = loop.step(i, x)) {
                    double sigma = grid.sigma(i);
                    double at = VpChain.alphaBar(sigma);
                    double an = VpChain.alphaBar(grid.sigma(i + 1));
                    double alpha = at / an;
                    double alphaBefore = i > 0 ? VpChain.alphaBar(grid.sigma(i - 1)) / at : alpha;
                    double sigmaBefore = VpChain.sigma(at * alphaBefore);
                    NDArray denoised = denoiser.denoise(x, sigma);
                    callback.onStep(new StepInfo(i, grid.steps(), sigma, sigma, x, denoised));
                    NDArray score = x.sub(denoised).div(sigma).div(-Math.sqrt(1 - at));
                    NDArray y = x.mul(Math.sqrt(at));
                    NDArray back = y.sub(score.mul((1 - alphaBefore) / 2)).mul(Math.sqrt(alphaBefore));
                    NDArray backEps = VpChain.epsilon(denoiser, back, sigmaBefore);
                    NDArray backScore = backEps.div(-Math.sqrt(1 - at * alphaBefore));
                    NDArray correction = score.sub(backScore.mul(Math.sqrt(alphaBefore)))
                            .mul((1 - alpha) * (1 - alpha) / (4 * (1 - alphaBefore)));
                    NDArray yNext = y.add(score.mul((1 - alpha) / 2)).add(correction).div(Math.sqrt(alpha));
                    x = step.advance(yNext.div(Math.sqrt(an)));
                }
            }
            return loop.finish(x);
        }
    }
}
