package org.diffusion4j.nn;

/**
 * How a weight starts: {@code uniform} draws from U(−b, b) with b = scale·√(3/fanIn) (variance scale²/fanIn, the
 * "Kaiming uniform" of EDM's networks), {@code zeros} and {@code ones} are constants.
 *
 * @param kind the distribution
 * @param fanIn inputs feeding one output
 * @param scale multiplier of the bound
 */
public record Init(Kind kind, long fanIn, double scale) {
    /** The distributions. */
    public enum Kind {
        UNIFORM, ZEROS, ONES
    }

    /** Variance scale²/fanIn. */
    public static Init uniform(long fanIn, double scale) {
        return new Init(Kind.UNIFORM, fanIn, scale);
    }

    /** Variance 1/fanIn. */
    public static Init uniform(long fanIn) {
        return uniform(fanIn, 1);
    }

    /** All zeros. */
    public static Init zeros() {
        return new Init(Kind.ZEROS, 1, 0);
    }

    /** All ones. */
    public static Init ones() {
        return new Init(Kind.ONES, 1, 1);
    }

    /** The bound b of the uniform distribution. */
    double bound() {
        return scale * Math.sqrt(3.0 / fanIn);
    }
}
