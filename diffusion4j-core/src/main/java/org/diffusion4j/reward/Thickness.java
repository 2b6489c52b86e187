package org.diffusion4j.reward;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * Stroke thickness as mean ink: the mean of (x + 1)/2 over a sample's values, 0 for a blank (black) image and 1
 * for a white one. On MNIST (white strokes on black) it grows with the strokes' width and length.
 */
record Thickness() implements Reward {

    @Override
    public String spec() {
        return "thickness";
    }

    @Override
    public double[] score(NDArray samples, int[] classes) {
        long n = samples.getShape().get(0);
        float[] v = samples.toType(DataType.FLOAT32, false).toFloatArray();
        int per = (int) (v.length / n);
        double[] out = new double[(int) n];
        for (int i = 0; i < n; i++) {
            double sum = 0;
            for (int k = i * per; k < (i + 1) * per; k++) {
                sum += Math.max(0, Math.min(1, (v[k] + 1) / 2));
            }
            out[i] = sum / per;
        }
        return out;
    }
}
