package org.diffusion4j.reward;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import org.diffusion4j.InvalidArgumentException;

/**
 * For 2-D samples: 1 inside the box [xmin, xmax] × [ymin, ymax] (an absent bound is unbounded), 0 outside. Its mean
 * over samples is the model's mass in the region.
 */
record Region(double xmin, double xmax, double ymin, double ymax) implements Reward {

    Region {
        if (!(xmin < xmax) || !(ymin < ymax)) {
            throw new InvalidArgumentException("reward region: the box must have xmin < xmax and ymin < ymax, got ["
                    + xmin + ", " + xmax + "] × [" + ymin + ", " + ymax + "]");
        }
    }

    @Override
    public String spec() {
        StringBuilder s = new StringBuilder("region:");
        bound(s, "xmin", xmin);
        bound(s, "xmax", xmax);
        bound(s, "ymin", ymin);
        bound(s, "ymax", ymax);
        return s.substring(0, s.length() - 1);
    }

    private static void bound(StringBuilder s, String key, double value) {
        if (Double.isFinite(value)) {
            s.append(key).append('=').append(value).append(',');
        }
    }

    /** Whether the point (x, y) is in the box. */
    boolean contains(double x, double y) {
        return x >= xmin && x <= xmax && y >= ymin && y <= ymax;
    }

    @Override
    public double[] score(NDArray samples, int[] classes) {
        if (samples.getShape().dimension() != 2 || samples.getShape().get(1) != 2) {
            throw new InvalidArgumentException("the reward region scores 2-D points (n × 2), got samples of shape "
                    + samples.getShape());
        }
        double[] v = samples.toType(DataType.FLOAT64, false).toDoubleArray();
        double[] out = new double[v.length / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = contains(v[2 * i], v[2 * i + 1]) ? 1 : 0;
        }
        return out;
    }
}
