package org.diffusion4j.denoise;

import org.diffusion4j.backend.NativeArrays;
import org.diffusion4j.backend.Differentiable;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.diffusion4j.process.NoiseSchedule;

/**
 * α, σ, dα/dt and dσ/dt of a process at one time per sample, as arrays that broadcast against a batch: shape
 * {@code ()} for one shared time, {@code (B, 1, …, 1)} for one time per sample. The arrays are engine-owned
 * copies, so they are safe inside an autograd graph; they live in the manager given at creation.
 */
@Differentiable
public record ProcessCoefficients(NDArray alpha, NDArray sigma, NDArray alphaDerivative, NDArray sigmaDerivative) {

    /** The coefficients at one time {@code t}, shared by the whole batch, in the dtype of {@code like}. */
    public static ProcessCoefficients at(NoiseSchedule schedule, double t, NDArray like) {
        return at(schedule, new double[] {t}, like.getManager(), like.getDataType(), new Shape());
    }

    /** The coefficients at one time per sample of the batch {@code like} (B = {@code t.length}). */
    public static ProcessCoefficients perSample(NoiseSchedule schedule, double[] t, NDArray like) {
        return at(schedule, t, like.getManager(), like.getDataType(), NativeArrays.perSampleShape(t.length, like));
    }

    private static ProcessCoefficients at(
            NoiseSchedule schedule, double[] t, NDManager manager, DataType type, Shape shape) {
        double[] alpha = new double[t.length];
        double[] sigma = new double[t.length];
        double[] dAlpha = new double[t.length];
        double[] dSigma = new double[t.length];
        for (int i = 0; i < t.length; i++) {
            alpha[i] = schedule.alpha(t[i]);
            sigma[i] = schedule.sigma(t[i]);
            dAlpha[i] = schedule.alphaDerivative(t[i]);
            dSigma[i] = schedule.sigmaDerivative(t[i]);
        }
        return new ProcessCoefficients(
                array(manager, alpha, shape, type),
                array(manager, sigma, shape, type),
                array(manager, dAlpha, shape, type),
                array(manager, dSigma, shape, type));
    }

    private static NDArray array(NDManager manager, double[] values, Shape shape, DataType type) {
        return NativeArrays.of(manager, values, shape, type);
    }
}
