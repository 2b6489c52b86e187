package org.diffusion4j.eval;

import org.diffusion4j.InvalidArgumentException;

/** The empirical order p of a method whose error behaves like C·NFE^{−p}. */
public final class ConvergenceOrder {
    private ConvergenceOrder() {}

    /** −slope of the least-squares line through (log nfe, log error); needs two or more positive points. */
    public static double fit(double[] nfe, double[] error) {
        if (nfe.length != error.length || nfe.length < 2) {
            throw new InvalidArgumentException("an order fit needs at least two (nfe, error) pairs, got "
                    + Math.min(nfe.length, error.length));
        }
        int n = nfe.length;
        double mx = 0;
        double my = 0;
        for (int i = 0; i < n; i++) {
            if (!(nfe[i] > 0 && error[i] > 0)) {
                throw new InvalidArgumentException("an order fit needs positive NFE and errors, got (" + nfe[i] + ", "
                        + error[i] + ")");
            }
            mx += Math.log(nfe[i]);
            my += Math.log(error[i]);
        }
        mx /= n;
        my /= n;
        double sxy = 0;
        double sxx = 0;
        for (int i = 0; i < n; i++) {
            double dx = Math.log(nfe[i]) - mx;
            sxy += dx * (Math.log(error[i]) - my);
            sxx += dx * dx;
        }
        return -sxy / sxx;
    }
}
