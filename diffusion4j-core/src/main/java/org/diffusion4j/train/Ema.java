package org.diffusion4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import java.util.Map;
import org.diffusion4j.backend.Scalars;

/**
 * The exponential moving average of the weights that sampling uses, with EDM's half-life counted in images
 * (Karras et al. 2022, Appendix F.1): after a batch of B images, {@code ema ← β·ema + (1 − β)·w} with
 * {@code β = 0.5^{B/h}}, where the half-life h = min(halfLifeImages, rampUp·imagesSeen) grows with training so
 * early weights are forgotten quickly.
 */
public final class Ema {
    private final double halfLifeImages;
    private final double rampUp;

    /**
     * @param halfLifeImages the half-life in images (EDM: 500 k)
     * @param rampUp the ramp-up ratio (EDM: 0.05; 0 for none)
     */
    public Ema(double halfLifeImages, double rampUp) {
        this.halfLifeImages = halfLifeImages;
        this.rampUp = rampUp;
    }

    /** β for a batch of {@code batch} images after {@code imagesSeen} images in all. */
    public double beta(long batch, long imagesSeen) {
        double halfLife = rampUp > 0 ? Math.min(halfLifeImages, imagesSeen * rampUp) : halfLifeImages;
        return Math.pow(0.5, batch / Math.max(halfLife, 1e-8));
    }

    /** Moves every EMA weight towards its weight, in place. */
    public void update(Map<String, NDArray> ema, Map<String, NDArray> weights, double beta) {
        for (Map.Entry<String, NDArray> entry : ema.entrySet()) {
            NDArray e = entry.getValue();
            try (NDScope scope = new NDScope()) {
                NDArray w = weights.get(entry.getKey());
                e.muli(Scalars.of(e, beta)).addi(w.mul(Scalars.of(e, 1 - beta)));
            }
        }
    }
}
