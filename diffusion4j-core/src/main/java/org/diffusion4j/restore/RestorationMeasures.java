package org.diffusion4j.restore;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import org.diffusion4j.ShapeMismatchException;
import org.diffusion4j.backend.Scalars;

/**
 * The measures that compare restorers, per image of a batch (N, C, H, W) in [−1, 1]: distortion (MSE, PSNR against
 * the clean image), consistency with the observation (‖A(x̂) − y‖, root-mean-square over the observation's values,
 * so a posterior sample of a noisy task sits near σ_y), and variability (the per-pixel standard deviation over K
 * restorations of the same input, averaged over pixels).
 */
public final class RestorationMeasures {
    private RestorationMeasures() {}

    /** Mean squared error of each restoration against its clean image. */
    public static double[] mse(NDArray restored, NDArray clean) {
        sameShape(restored, clean);
        NDArray d = restored.sub(clean);
        return perImage(d.mul(d));
    }

    /**
     * PSNR in dB for images in [−1, 1] (peak-to-peak 2, the same as 10·log₁₀(1/MSE) on [0, 1]):
     * 10·log₁₀(4/MSE); infinite for an exact restoration.
     */
    public static double[] psnr(NDArray restored, NDArray clean) {
        double[] mse = mse(restored, clean);
        double[] out = new double[mse.length];
        for (int i = 0; i < mse.length; i++) {
            out[i] = 10 * Math.log10(4 / mse[i]);
        }
        return out;
    }

    /** ‖A(x̂) − y‖ / √m per image, m the values in one observation. */
    public static double[] consistency(RestorationTask task, NDArray restored, NDArray observation) {
        NDArray measured = task.measure(restored);
        sameShape(measured, observation);
        NDArray d = measured.sub(observation);
        double[] meanSquares = perImage(d.mul(d));
        for (int i = 0; i < meanSquares.length; i++) {
            meanSquares[i] = Math.sqrt(meanSquares[i]);
        }
        return meanSquares;
    }

    /**
     * The variability of K restorations of each of N inputs, {@code samples} shaped (K, N, C, H, W): per input, the
     * standard deviation over the K samples (with K − 1 in the denominator) of each pixel, averaged over pixels.
     */
    public static double[] variability(NDArray samples) {
        long k = samples.getShape().get(0);
        if (samples.getShape().dimension() != 5 || k < 2) {
            throw new ShapeMismatchException("variability needs K ≥ 2 restorations of each input, shaped (K, N, C, H, "
                    + "W), got " + samples.getShape());
        }
        NDArray d = samples.sub(samples.mean(new int[] {0}, true));
        NDArray std = Scalars.times(d.mul(d).sum(new int[] {0}), 1.0 / (k - 1)).sqrt();
        return perImage(std);
    }

    private static double[] perImage(NDArray values) {
        long n = values.getShape().get(0);
        return values.reshape(n, -1).mean(new int[] {1}).toType(DataType.FLOAT64, false).toDoubleArray();
    }

    private static void sameShape(NDArray a, NDArray b) {
        if (!a.getShape().equals(b.getShape())) {
            throw new ShapeMismatchException("a restoration shaped " + a.getShape() + " against " + b.getShape());
        }
    }
}
