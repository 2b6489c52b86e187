package org.diffusion4j.process;

import java.util.function.DoubleUnaryOperator;
import org.diffusion4j.InvalidArgumentException;

/** Inverts a strictly monotone function on a bracket by bisection, to the last representable bit. */
final class MonotoneInverse {
    private MonotoneInverse() {}

    /**
     * The {@code t ∈ [lo, hi]} with {@code f(t) = target} for a strictly decreasing {@code f}. An infinite
     * {@code hi} is first bracketed by doubling.
     */
    static double decreasing(DoubleUnaryOperator f, double lo, double hi, double target, String what) {
        if (Double.isNaN(target)) {
            throw new InvalidArgumentException("cannot invert " + what + " at NaN");
        }
        if (Double.isInfinite(hi)) {
            hi = Math.max(1.0, lo);
            while (f.applyAsDouble(hi) > target) {
                hi *= 2;
                if (Double.isInfinite(hi)) {
                    throw new InvalidArgumentException("cannot invert " + what + " at " + target + ": no bracket");
                }
            }
        }
        double fLo = f.applyAsDouble(lo);
        double fHi = f.applyAsDouble(hi);
        if (target > fLo || target < fHi) {
            throw new InvalidArgumentException(
                    what + " = " + target + " lies outside the domain's range [" + fHi + ", " + fLo + "]");
        }
        for (int i = 0; i < 2000; i++) {
            double mid = 0.5 * (lo + hi);
            if (mid <= lo || mid >= hi) {
                break;
            }
            if (f.applyAsDouble(mid) > target) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return Math.abs(f.applyAsDouble(lo) - target) <= Math.abs(f.applyAsDouble(hi) - target) ? lo : hi;
    }
}
