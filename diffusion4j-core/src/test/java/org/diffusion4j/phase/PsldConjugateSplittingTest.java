package org.diffusion4j.phase;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.denoise.MixtureSpec;
import org.diffusion4j.ode.DormandPrince;
import org.diffusion4j.ode.VectorField;
import org.diffusion4j.sample.NoiseSource;
import org.junit.jupiter.api.Test;

/**
 * The conjugate splitting samplers reduce to their parts: with λ = 0 and ε frozen every sub-step is the exact flow of
 * its split ODE (Proposition 2 of Pandey et al., block by block), and as h → 0 a step agrees with the plain reduced
 * splitting's step (RSE, RVV, ROBA) to O(h²), for λ = 0 and λ = 1. Convergence to the exact flow is measured in
 * {@link PsldIntegratorsTest}, the stochastic marginals in {@link PsldStochasticTest}.
 */
class PsldConjugateSplittingTest {
    private static final Psld PSLD = Psld.criticallyDamped(0.02, 8);
    private static final PsldMixtureScore SCORE = new PsldMixtureScore(MixtureSpec.bundled("eight-gaussians"),
            PSLD);

    @Test
    void withLambdaZeroAndFrozenEpsilonEverySubStepIsTheExactSplitFlow() {
        try (NDManager m = Backend.newManager()) {
            NDArray z = m.randomNormal(0, 1, new Shape(5, 4), DataType.FLOAT64);
            NDArray epsilon = m.randomNormal(0, 1, new Shape(5, 4), DataType.FLOAT64);
            PhaseScore frozen = (y, u) -> PhaseState.apply(inverseTransposeCholesky(u).times(-1), epsilon);
            double t = 0.6;
            double s = 0.25;
            double mid = (t + s) / 2;
            NDArray cvv = new PsldConjugateSplitting(PsldConjugateSplitting.Scheme.CVV, 0)
                    .step(PSLD, frozen, z, t, s, NoiseSource.NONE);
            NDArray exact = momentumFlow(positionFlow(momentumFlow(z, frozen, t, mid), frozen, t, s), frozen, mid, s);
            assertTrue(cvv.sub(exact).abs().max().getDouble() < 1e-9, "CVV vs B(h/2)A(h)B(h/2) exact flows: "
                    + cvv.sub(exact).abs().max().getDouble());
            NDArray cse = new PsldConjugateSplitting(PsldConjugateSplitting.Scheme.CSE, 0)
                    .step(PSLD, frozen, z, t, s, NoiseSource.NONE);
            NDArray exactCse = momentumFlow(positionFlow(z, frozen, t, s), frozen, t, s);
            assertTrue(cse.sub(exactCse).abs().max().getDouble() < 1e-9, "CSE vs A(h)B(h) exact flows: "
                    + cse.sub(exactCse).abs().max().getDouble());
        }
    }

    @Test
    void aStepAgreesWithThePlainSplittingToSecondOrder() {
        NoiseSource zero = (like, from, to) -> like.zerosLike();
        for (double lambda : new double[] {0, 1}) {
            check(new PsldConjugateSplitting(PsldConjugateSplitting.Scheme.CSE, lambda),
                    new PsldSplitting(PsldSplitting.Scheme.RSE), zero);
            check(new PsldConjugateSplitting(PsldConjugateSplitting.Scheme.CVV, lambda),
                    new PsldSplitting(PsldSplitting.Scheme.RVV), zero);
            check(new PsldConjugateOba(lambda, 0.5), new PsldOba(0.5, true), zero);
        }
    }

    /** The one-step difference at h, h/2, h/4 falls by 4 per halving: the two agree to first order. */
    private static void check(PhaseSampler hybrid, PhaseSampler plain, NoiseSource noise) {
        try (NDManager m = Backend.newManager()) {
            Backend.seedEngine(5);
            NDArray z = m.randomNormal(0, 1, new Shape(16, 4), DataType.FLOAT64);
            double t = 0.5;
            double[] gaps = new double[3];
            for (int k = 0; k < 3; k++) {
                double s = t - 0.004 / (1 << k);
                gaps[k] = hybrid.step(PSLD, SCORE, z, t, s, noise).sub(plain.step(PSLD, SCORE, z, t, s, noise))
                        .abs().max().getDouble();
            }
            for (int k = 1; k < 3; k++) {
                assertEquals(4, gaps[k - 1] / gaps[k], 0.5, hybrid.name() + " vs " + plain.name() + ": one-step gaps "
                        + java.util.Arrays.toString(gaps));
            }
        }
    }

    private static Matrix2 inverseTransposeCholesky(double u) {
        return PSLD.conditionalCovariance(u).cholesky().inverse().transpose();
    }

    /** The split position ODE dx/du = (β/2)(−Γx + M⁻¹m) − ½βΓ·s_x, m fixed, solved from t to s to 1e-12. */
    private static NDArray positionFlow(NDArray z, PhaseScore score, double t, double s) {
        return solve(z, t, s, (u, y) -> PhaseState.apply(new Matrix2(-PSLD.gamma(), PSLD.massInverse(), 0, 0)
                .times(PSLD.beta(u) / 2), y).sub(PhaseState.apply(Matrix2.diagonal(PSLD.gamma() * PSLD.beta(u) / 2,
                0), score.score(y, u))));
    }

    /** The split momentum ODE dm/du = (β/2)(−x − νm) − ½βMν·s_m, x fixed, solved from t to s to 1e-12. */
    private static NDArray momentumFlow(NDArray z, PhaseScore score, double t, double s) {
        return solve(z, t, s, (u, y) -> PhaseState.apply(new Matrix2(0, 0, -1, -PSLD.nu()).times(PSLD.beta(u) / 2),
                y).sub(PhaseState.apply(Matrix2.diagonal(0, PSLD.mass() * PSLD.nu() * PSLD.beta(u) / 2),
                score.score(y, u))));
    }

    private static NDArray solve(NDArray z, double t, double s, VectorField derivative) {
        DormandPrince solver = new DormandPrince(1e-12, 1e-14, DormandPrince.ErrorNorm.MAX, 1_000_000);
        return solver.solve(derivative, z, t, s).y();
    }
}
