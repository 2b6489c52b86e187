package org.diffusion4j.phase;

/**
 * A real 2×2 matrix {@code [[a, b], [c, d]]}: the block of a phase-space process that couples one data coordinate
 * with its velocity. Exact exponentials and Cholesky factors, in double precision.
 */
public record Matrix2(double a, double b, double c, double d) {

    /** The identity. */
    public static final Matrix2 IDENTITY = new Matrix2(1, 0, 0, 1);

    /** diag(x, y). */
    public static Matrix2 diagonal(double x, double y) {
        return new Matrix2(x, 0, 0, y);
    }

    public Matrix2 plus(Matrix2 o) {
        return new Matrix2(a + o.a, b + o.b, c + o.c, d + o.d);
    }

    public Matrix2 minus(Matrix2 o) {
        return new Matrix2(a - o.a, b - o.b, c - o.c, d - o.d);
    }

    public Matrix2 times(double s) {
        return new Matrix2(a * s, b * s, c * s, d * s);
    }

    public Matrix2 times(Matrix2 o) {
        return new Matrix2(a * o.a + b * o.c, a * o.b + b * o.d, c * o.a + d * o.c, c * o.b + d * o.d);
    }

    public Matrix2 transpose() {
        return new Matrix2(a, c, b, d);
    }

    public double determinant() {
        return a * d - b * c;
    }

    public Matrix2 inverse() {
        double det = determinant();
        return new Matrix2(d / det, -b / det, -c / det, a / det);
    }

    /** {@code M·v} for v = (x, y). */
    public double[] apply(double x, double y) {
        return new double[] {a * x + b * y, c * x + d * y};
    }

    /**
     * The matrix exponential, exactly: with s = tr/2 and q² = s² − det, {@code e^M = e^s·(cosh q·I + (sinh q/q)·(M −
     * sI))} (Cayley–Hamilton), where q may be imaginary (cos, sin) or zero (the critically damped case, in which M − sI
     * is nilpotent and the series stops after the linear term).
     */
    public Matrix2 exp() {
        double s = (a + d) / 2;
        double q2 = s * s - determinant();
        double even;
        double odd;
        if (Math.abs(q2) < 1e-12) {
            even = 1 + q2 / 2;
            odd = 1 + q2 / 6;
        } else if (q2 > 0) {
            double q = Math.sqrt(q2);
            even = Math.cosh(q);
            odd = Math.sinh(q) / q;
        } else {
            double q = Math.sqrt(-q2);
            even = Math.cos(q);
            odd = Math.sin(q) / q;
        }
        Matrix2 shifted = minus(IDENTITY.times(s));
        return IDENTITY.times(even).plus(shifted.times(odd)).times(Math.exp(s));
    }

    /** The lower Cholesky factor L of this symmetric positive definite matrix, {@code M = L·Lᵀ}. */
    public Matrix2 cholesky() {
        if (!(a > 0) || !(determinant() > 0) || Math.abs(b - c) > 1e-12 * (Math.abs(b) + Math.abs(c) + 1e-300)) {
            throw new IllegalArgumentException("not symmetric positive definite: " + this);
        }
        double l11 = Math.sqrt(a);
        double l21 = c / l11;
        return new Matrix2(l11, 0, l21, Math.sqrt(determinant() / a));
    }
}
