package org.diffusion4j.denoise;

import ai.djl.ndarray.NDArray;
import java.util.concurrent.atomic.AtomicLong;

/** Counts the function evaluations (NFE) of the denoiser it wraps. */
public final class CountingDenoiser implements Denoiser {
    private final Denoiser inner;
    private final AtomicLong evaluations = new AtomicLong();

    public CountingDenoiser(Denoiser inner) {
        this.inner = inner;
    }

    @Override
    public NDArray denoise(NDArray x, double sigma) {
        evaluations.incrementAndGet();
        return inner.denoise(x, sigma);
    }

    /** Evaluations so far. */
    public long evaluations() {
        return evaluations.get();
    }
}
