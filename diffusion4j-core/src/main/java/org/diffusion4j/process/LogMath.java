package org.diffusion4j.process;

/** Numerically stable scalar helpers shared by the schedules. */
final class LogMath {
    private LogMath() {}

    /** log(1 + e^x) without overflow or loss of precision. */
    static double log1pExp(double x) {
        return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
    }

    /** 1/(1 + e^{−x}). */
    static double sigmoid(double x) {
        if (x >= 0) {
            return 1 / (1 + Math.exp(-x));
        }
        double e = Math.exp(x);
        return e / (1 + e);
    }
}
