package org.diffusion4j.nonlinear;

import ai.djl.ndarray.NDArray;

/**
 * The exact model of data on a few levels of a {@link SineDriftProcess} at its tabulated times: the marginal
 * {@code q_t = Σ w_i p_t(· | l_i)} from the {@link TransitionTable}, its score {@code Σ w_i p_i s_i / Σ w_i p_i} and
 * the data estimate {@code E[x_0 | x] = Σ w_i p_i l_i / Σ w_i p_i}. Times must be tabulated ones.
 */
final class DiscreteDataField implements NonlinearPrediction.Field {
    private final TransitionTable table;
    private final int[] levels;
    private final double[] weights;

    DiscreteDataField(TransitionTable table, int[] levels, double[] weights) {
        this.table = table;
        this.levels = levels.clone();
        this.weights = weights.clone();
    }

    /** The tabulated index of t; t must be within 10⁻⁶ (relative) of a tabulated time. */
    int index(double t) {
        SineDriftProcess p = table.process();
        int k = (int) Math.round(Math.log(t / p.minTime()) / Math.log(p.horizon() / p.minTime()) * (p.times() - 1));
        if (k < 0 || k >= p.times() || Math.abs(p.tabulatedTime(k) / t - 1) > 1e-6) {
            throw new IllegalArgumentException("t = " + t + " is not a tabulated time");
        }
        return k;
    }

    /** {score, data estimate} at x and tabulated time k (weights from log-densities, so far points stay finite). */
    double[] at(double x, int k) {
        double[] log = new double[levels.length];
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < levels.length; i++) {
            log[i] = Math.log(weights[i]) + table.logDensity(levels[i], k, x);
            max = Math.max(max, log[i]);
        }
        double mass = 0;
        double score = 0;
        double data = 0;
        for (int i = 0; i < levels.length; i++) {
            double p = Math.exp(log[i] - max);
            mass += p;
            score += p * table.score(levels[i], k, x);
            data += p * table.process().level(levels[i]);
        }
        return new double[] {score / mass, data / mass};
    }

    @Override
    public NonlinearPrediction predict(NDArray x, double t) {
        int k = index(t);
        double[] xs = x.toDoubleArray();
        double[] score = new double[xs.length];
        double[] data = new double[xs.length];
        for (int i = 0; i < xs.length; i++) {
            double[] v = at(xs[i], k);
            score[i] = v[0];
            data[i] = v[1];
        }
        return new NonlinearPrediction(x.getManager().create(score, x.getShape()).toType(x.getDataType(), false),
                x.getManager().create(data, x.getShape()).toType(x.getDataType(), false));
    }
}
