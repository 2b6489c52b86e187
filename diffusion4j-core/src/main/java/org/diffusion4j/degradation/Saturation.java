package org.diffusion4j.degradation;

import ai.djl.ndarray.NDArray;
import java.util.Locale;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.backend.Differentiable;
import org.diffusion4j.backend.Scalars;

/**
 * A pixel-wise non-linear fade: {@code A_σ(x) = tanh(k·x)/k} with {@code k = gain·σ}. Small values pass almost
 * unchanged (slope 1 at 0) while large ones saturate at ±1/k, so as σ grows the image is both compressed and
 * binarized; it is invertible for every finite σ but not linear, so restoration must undo a genuinely non-linear map.
 * A_0 is the identity (the limit k → 0).
 *
 * @param gain k per unit σ
 */
@Differentiable
public record Saturation(double gain) implements Degradation {

    public Saturation {
        if (!(gain > 0)) {
            throw new InvalidArgumentException("saturation needs gain > 0, got " + gain);
        }
    }

    @Override
    public NDArray apply(NDArray x0, double sigma) {
        double k = gain * sigma;
        if (k == 0) {
            return x0.duplicate();
        }
        return Scalars.times(Scalars.times(x0, k).tanh(), 1 / k);
    }

    @Override
    public String spec() {
        return String.format(Locale.ROOT, "saturation:gain=%s", gain);
    }
}
