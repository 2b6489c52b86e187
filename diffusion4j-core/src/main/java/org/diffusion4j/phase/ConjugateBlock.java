package org.diffusion4j.phase;

/**
 * One conjugate sub-step (B = λ) of one block of the split PSLD flow, the building block of the conjugate splitting
 * samplers ({@link PsldConjugateSplitting}, {@link PsldConjugateOba}). Backwards from t to s = t − h, with the other
 * block and the network's ε frozen, the block b (x with friction κ = Γ, or m with κ = ν) obeys a scalar linear ODE
 * {@code db/du = −(β(u)κ/2)·b + (β(u)/2)·(coupling to the other block) + (β(u)/2)·(score coefficient)·ε}. The
 * conjugate map {@code b̂ = e^{λu}·e^{κB(u)/2}·b} (Pandey et al. 2024, Definition 3.1, in one dimension) leaves
 * {@code db̂/du = λb̂ + e^{λu}e^{κB(u)/2}·(forcing)}; Euler on the λ term and the forcing integrated exactly give
 * <pre>
 * b_s = (1 − λh)·e^{λh}·e^{κ(B(t) − B(s))/2}·b_t − ∫_s^t w(u)·(forcing(u)) du
 * w(u) = e^{λ(u − s)}·e^{κ(B(u) − B(s))/2}
 * </pre>
 * λ = 0 is the exponential integrator of the block (their Proposition 2): with ε frozen, the exact flow of the split
 * ODE.
 *
 * @param linear (1 − λh)·e^{λh}·e^{κ(B(t) − B(s))/2}
 * @param coupling ∫_s^t w(u)·β(u)/2 du, the weight of the frozen other block
 * @param score ∫_s^t w(u)·(β(u)/2)·L_u⁻ᵀ du, the weights of ε (row 1 for x, entry d for m)
 * @param noise ∫_s^t w(u)²·β(u) du, the variance of the block's Brownian term per unit of its diffusion constant
 */
record ConjugateBlock(double linear, double coupling, Matrix2 score, double noise) {

    /** The coefficients of the block with friction κ from t down to s, with λ. */
    static ConjugateBlock of(Psld p, double lambda, double friction, double t, double s) {
        double h = t - s;
        java.util.function.DoubleUnaryOperator w = u -> Math.exp(lambda * (u - s)
                + friction * (p.integratedBeta(u) - p.integratedBeta(s)) / 2);
        Matrix2 scalars = PsldConjugate.integral(u -> Matrix2.diagonal(w.applyAsDouble(u) * p.beta(u) / 2,
                w.applyAsDouble(u) * w.applyAsDouble(u) * p.beta(u)), s, t);
        Matrix2 score = PsldConjugate.integral(u -> p.conditionalCovariance(u).cholesky().inverse().transpose()
                .times(w.applyAsDouble(u) * p.beta(u) / 2), s, t);
        double linear = (1 - lambda * h) * Math.exp(lambda * h
                + friction * (p.integratedBeta(t) - p.integratedBeta(s)) / 2);
        return new ConjugateBlock(linear, scalars.a(), score, scalars.d());
    }
}
