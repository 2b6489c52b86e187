package org.diffusion4j.sample;

import ai.djl.ndarray.NDArray;

/**
 * The accelerated deterministic sampler of Li, Huang, Efimov, Wei, Chi &amp; Chen (2024), which converges as O(1/T²)
 * where DDIM converges as O(1/T), on the VP chain of the grid ({@link VpChain}; a_t = ᾱ at the current level, a_n at
 * the next, a_p at the previous one, ε_t the network's noise estimate). Two forms:
 *
 * <p>{@code multistep} (default; the authors' experiments, the README of their code and its CIFAR-10
 * {@code generalized_steps_accelerated}), one call per step: the DDIM step
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
public record AcceleratedDdim(Form form) implements SteppedSampler {

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
    public long evaluations(int steps, boolean endsAtZero) {
        return (long) evaluationsPerStep() * steps;
    }

    @Override
    public int history() {
        return form == Form.MULTISTEP ? 1 : 0;
    }

    @Override
    public NDArray step(Step step, NDArray x) {
        return form == Form.THEORY ? theory(step, x) : multistep(step, x);
    }

    private static NDArray multistep(Step step, NDArray x) {
        double sigma = step.sigma();
        double at = VpChain.alphaBar(sigma);
        double an = VpChain.alphaBar(step.next());
        NDArray eps = x.sub(step.denoise(x, sigma)).div(sigma);
        NDArray previousEps = step.previous("eps", 1);
        step.remember("eps", eps);
        NDArray y = x.mul(Math.sqrt(at));
        NDArray yNext = y.mul(Math.sqrt(an / at))
                .add(eps.mul(Math.sqrt(1 - an) - Math.sqrt(an / at) * Math.sqrt(1 - at)));
        if (previousEps != null) {
            double ap = VpChain.alphaBar(step.sigma(step.index() - 1));
            double bracket = at * Math.sqrt(1 - an) / Math.sqrt(an) + Math.asin(Math.sqrt(an))
                    - at * Math.sqrt(1 - at) / Math.sqrt(at) - Math.asin(Math.sqrt(at));
            yNext = yNext.add(previousEps.sub(eps).mul(Math.sqrt(an) / (at - ap) * bracket));
        }
        return yNext.div(Math.sqrt(an));
    }

    private static NDArray theory(Step step, NDArray x) {
        double sigma = step.sigma();
        double at = VpChain.alphaBar(sigma);
        double an = VpChain.alphaBar(step.next());
        double alpha = at / an;
        double alphaBefore = step.isFirst() ? alpha : VpChain.alphaBar(step.sigma(step.index() - 1)) / at;
        double sigmaBefore = VpChain.sigma(at * alphaBefore);
        NDArray score = x.sub(step.denoise(x, sigma)).div(sigma).div(-Math.sqrt(1 - at));
        NDArray y = x.mul(Math.sqrt(at));
        NDArray back = y.sub(score.mul((1 - alpha) / 2)).mul(Math.sqrt(alphaBefore));
        NDArray backEps = VpChain.epsilon(step, back, sigmaBefore);
        NDArray backScore = backEps.div(-Math.sqrt(1 - at * alphaBefore));
        NDArray correction = score.sub(backScore.mul(Math.sqrt(alphaBefore)))
                .mul((1 - alpha) * (1 - alpha) / (4 * (1 - alphaBefore)));
        NDArray yNext = y.add(score.mul((1 - alpha) / 2)).add(correction).div(Math.sqrt(alpha));
        return yNext.div(Math.sqrt(an));
    }
}
