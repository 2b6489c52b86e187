package org.diffusion4j.phase;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class PsldTest {

    /** The reference code's CIFAR-10 sampling configuration: Γ = 0.02, ν = 4.02, M⁻¹ = 4, β = 8, γM = 0.01. */
    private static final Psld CIFAR = Psld.criticallyDamped(0.02, 8);

    private static void assertMatrix(Matrix2 expected, Matrix2 actual, double tolerance, String what) {
        double[] e = {expected.a(), expected.b(), expected.c(), expected.d()};
        double[] a = {actual.a(), actual.b(), actual.c(), actual.d()};
        for (int i = 0; i < 4; i++) {
            assertEquals(e[i], a[i], tolerance, what + " entry " + i + ": expected " + expected + ", got " + actual);
        }
    }

    /** Values of the official code's closed forms (psld.py), as transcribed in the project's notes. */
    @Test
    void matchesTheReferenceImplementationsClosedForms() {
        Matrix2 c = CIFAR.conditionalCovariance(0.1);
        assertMatrix(new Matrix2(0.2341620209, 0.1277986167, 0.1277986167, 0.2163018573), c, 1e-10, "Σ(0.1)");
        assertMatrix(new Matrix2(0.4839029044, 0, 0.2640997099, 0.3828226750), c.cholesky(), 1e-10, "L(0.1)");
        assertMatrix(new Matrix2(0.80234761, 0.71319788, -0.17829947, 0.08914973), CIFAR.transition(0.1), 1e-8,
                "mean map at 0.1");
        assertMatrix(new Matrix2(0.9875016770, 0.0048804155, 0.0048804155, 0.2480924264),
                CIFAR.conditionalCovariance(0.5), 1e-10, "Σ(0.5)");
        assertMatrix(new Matrix2(1.631805825e-4, 2.191497700e-4, 2.191497700e-4, 1.759481767e-2),
                CIFAR.conditionalCovariance(0.001), 5e-12, "Σ(0.001)"); // the reference has 10 digits
    }

    static Stream<Psld> processes() {
        return Stream.of(CIFAR,
                new Psld(0.02, 4.02, 4, 0.1, 20, 0.01),      // critically damped, linear β
                new Psld(0.5, 1, 2, 0.1, 20, 0.2),           // underdamped: complex eigenvalues
                new Psld(0, 6, 4, 1, 8, 0.05));              // overdamped CLD-like (Γ = 0)
    }

    /** Mean and covariance against a fine RK4 integration of dμ/dt = Fμ, dΣ/dt = FΣ + ΣFᵀ + GGᵀ. */
    @ParameterizedTest
    @MethodSource("processes")
    void momentsSolveTheirOdes(Psld p) {
        double s = 0.05;
        double t = 0.8;
        Matrix2 sigma0 = new Matrix2(0.3, 0.02, 0.02, 0.05);
        double[] mu = {0.7, -0.4};
        Matrix2 sigma = sigma0;
        int steps = 40_000;
        double h = (t - s) / steps;
        for (int i = 0; i < steps; i++) {
            double u = s + i * h;
            double[] k1 = p.drift(u).apply(mu[0], mu[1]);
            double[] k2 = p.drift(u + h / 2).apply(mu[0] + h / 2 * k1[0], mu[1] + h / 2 * k1[1]);
            double[] k3 = p.drift(u + h / 2).apply(mu[0] + h / 2 * k2[0], mu[1] + h / 2 * k2[1]);
            double[] k4 = p.drift(u + h).apply(mu[0] + h * k3[0], mu[1] + h * k3[1]);
            Matrix2 q1 = lyapunov(p, u, sigma);
            Matrix2 q2 = lyapunov(p, u + h / 2, sigma.plus(q1.times(h / 2)));
            Matrix2 q3 = lyapunov(p, u + h / 2, sigma.plus(q2.times(h / 2)));
            Matrix2 q4 = lyapunov(p, u + h, sigma.plus(q3.times(h)));
            for (int j = 0; j < 2; j++) {
                mu[j] += h / 6 * (k1[j] + 2 * k2[j] + 2 * k3[j] + k4[j]);
            }
            sigma = sigma.plus(q1.plus(q2.times(2)).plus(q3.times(2)).plus(q4).times(h / 6));
        }
        double[] exact = p.transition(s, t).apply(0.7, -0.4);
        assertEquals(mu[0], exact[0], 1e-10, "mean x");
        assertEquals(mu[1], exact[1], 1e-10, "mean m");
        assertMatrix(sigma, p.covariance(s, t, sigma0), 1e-10, "covariance");
    }

    private static Matrix2 lyapunov(Psld p, double t, Matrix2 sigma) {
        Matrix2 f = p.drift(t);
        return f.times(sigma).plus(sigma.times(f.transpose())).plus(p.diffusionSquared(t));
    }

    /** diag(1, M) solves the stationary Lyapunov equation, and every start ends there. */
    @ParameterizedTest
    @MethodSource("processes")
    void stationaryCovarianceIsDiagOneM(Psld p) {
        Matrix2 stationary = Matrix2.diagonal(1, p.mass());
        assertMatrix(new Matrix2(0, 0, 0, 0), lyapunov(p, 0.3, stationary), 1e-12, "Lyapunov residual");
        Psld slow = new Psld(p.gamma(), p.nu(), p.massInverse(), 40, 40, p.initialVelocityVariance());
        assertMatrix(stationary, slow.conditionalCovariance(1), 1e-10, "Σ after B = 40");
    }

    /** For z = μ + Lε, the score −Σ⁻¹(z − μ) is −L⁻ᵀε: the network's ε gives the score through L⁻ᵀ. */
    @Test
    void scoreOfTheConditionalIsMinusLInverseTransposeEpsilon() {
        for (double t : new double[] {1e-3, 0.1, 0.7}) {
            Matrix2 sigma = CIFAR.conditionalCovariance(t);
            Matrix2 l = sigma.cholesky();
            double[] eps = {0.9, -1.3};
            double[] offset = l.apply(eps[0], eps[1]);
            double[] viaCovariance = sigma.inverse().times(-1).apply(offset[0], offset[1]);
            double[] viaCholesky = l.inverse().transpose().times(-1).apply(eps[0], eps[1]);
            for (int i = 0; i < 2; i++) {
                assertEquals(viaCovariance[i], viaCholesky[i], 1e-9 * Math.abs(viaCovariance[i]), "t " + t);
            }
        }
    }
}
