package org.diffusion4j.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.grid.GridSpec;
import org.diffusion4j.sample.NoiseKind;
import org.diffusion4j.sample.StepCallback;

/**
 * What to generate and how. Build one with {@link #builder}; every field but the seeds has a default.
 *
 * @param seeds one seed per sample: its start and all its noise
 * @param classes the class of each sample, or null (unconditional; the null class of a conditional model)
 * @param guidance classifier-free guidance scale (1: plain conditional sampling, 0: unconditional)
 * @param sampler the sampler spec ({@code name[:key=value,…]}), or null for the generator's default
 * @param budget steps or model calls per sample, or null for the generator's default
 * @param grid where a Gaussian sampler's noise levels go, or null for the generator's default
 * @param finalZero whether a Gaussian grid ends with σ = 0 (k-diffusion's default)
 * @param dtype the samplers' working type
 * @param noise the noise of stochastic steps, or null for the sampler's preferred kind
 * @param start the starting states (batch first, already scaled as k-diffusion's {@code sigmas[0]·randn}), or
 *     null to draw them from the seeds
 * @param temperature τ of a start drawn from the seeds: σ_0·z/τ instead of σ_0·z, a start of variance 1/τ² times the
 *     prior's (Grad-TTS's sampling temperature; Glow's reduced-temperature sampling with T = 1/τ); 1 draws from the
 *     prior. A model that does not start from Gaussian noise at its top level refuses any other value
 * @param observation for a restoration model (a bridge), the observation each sample restores (batch first, in
 *     the task's observation shape); null for every other model, which refuses one
 * @param callback sees each sampler step
 */
public record GenerationRequest(long[] seeds, int[] classes, double guidance, String sampler, Budget budget,
        GridSpec grid, boolean finalZero, DataType dtype, NoiseKind noise, NDArray start, double temperature,
        NDArray observation, StepCallback callback) {

    public GenerationRequest {
        if (seeds == null || seeds.length == 0) {
            throw new InvalidArgumentException("a generation needs at least one seed");
        }
        if (classes != null && classes.length != seeds.length) {
            throw new InvalidArgumentException(classes.length + " classes for " + seeds.length + " seeds; give one "
                    + "class per sample");
        }
        if (!Double.isFinite(guidance)) {
            throw new InvalidArgumentException("the guidance scale must be finite, got " + guidance);
        }
        if (start != null && start.getShape().get(0) != seeds.length) {
            throw new InvalidArgumentException("a start of " + start.getShape().get(0) + " states for " + seeds.length
                    + " seeds; give one seed per state");
        }
        if (!(temperature > 0 && Double.isFinite(temperature))) {
            throw new InvalidArgumentException("the temperature must be a finite number above 0, got " + temperature);
        }
        if (start != null && temperature != 1) {
            throw new InvalidArgumentException("a given start is already scaled; a temperature (" + temperature
                    + ") only scales a start drawn from the seeds");
        }
        if (observation != null && observation.getShape().get(0) != seeds.length) {
            throw new InvalidArgumentException(observation.getShape().get(0) + " observations for " + seeds.length
                    + " seeds; give one seed per observation");
        }
    }

    /** A request for the samples of {@code seeds}, everything else at its default. */
    public static Builder builder(long[] seeds) {
        return new Builder(seeds);
    }

    /** Seeds {@code first}, {@code first + 1}, … ({@code n} of them). */
    public static long[] consecutiveSeeds(long first, int n) {
        if (n < 1) {
            throw new InvalidArgumentException("the number of samples must be at least 1, got " + n);
        }
        long[] seeds = new long[n];
        for (int i = 0; i < n; i++) {
            seeds[i] = first + i;
        }
        return seeds;
    }

    /** This request for other samples: other seeds and classes, the same settings. */
    public GenerationRequest forSamples(long[] otherSeeds, int[] otherClasses) {
        return toBuilder().seeds(otherSeeds).classes(otherClasses).build();
    }

    /** A builder holding this request's fields. */
    public Builder toBuilder() {
        Builder b = new Builder(seeds);
        b.classes = classes;
        b.guidance = guidance;
        b.sampler = sampler;
        b.budget = budget;
        b.grid = grid;
        b.finalZero = finalZero;
        b.dtype = dtype;
        b.noise = noise;
        b.start = start;
        b.temperature = temperature;
        b.observation = observation;
        b.callback = callback;
        return b;
    }

    /** Builds a {@link GenerationRequest}. */
    public static final class Builder {
        private long[] seeds;
        private int[] classes;
        private double guidance = 1;
        private String sampler;
        private Budget budget;
        private GridSpec grid;
        private boolean finalZero = true;
        private DataType dtype = DataType.FLOAT32;
        private NoiseKind noise;
        private NDArray start;
        private double temperature = 1;
        private NDArray observation;
        private StepCallback callback = StepCallback.NONE;

        private Builder(long[] seeds) {
            this.seeds = seeds;
        }

        public Builder seeds(long[] value) {
            seeds = value;
            return this;
        }

        public Builder classes(int[] value) {
            classes = value;
            return this;
        }

        public Builder guidance(double value) {
            guidance = value;
            return this;
        }

        public Builder sampler(String spec) {
            sampler = spec;
            return this;
        }

        public Builder budget(Budget value) {
            budget = value;
            return this;
        }

        /** {@code n} sampler steps. */
        public Builder steps(int n) {
            return budget(Budget.steps(n));
        }

        /** At most {@code n} model calls per sample. */
        public Builder nfe(int n) {
            return budget(Budget.nfe(n));
        }

        public Builder grid(GridSpec value) {
            grid = value;
            return this;
        }

        public Builder finalZero(boolean value) {
            finalZero = value;
            return this;
        }

        public Builder dtype(DataType value) {
            dtype = value;
            return this;
        }

        public Builder noise(NoiseKind value) {
            noise = value;
            return this;
        }

        public Builder start(NDArray value) {
            start = value;
            return this;
        }

        public Builder temperature(double value) {
            temperature = value;
            return this;
        }

        public Builder observation(NDArray value) {
            observation = value;
            return this;
        }

        public Builder callback(StepCallback value) {
            callback = value == null ? StepCallback.NONE : value;
            return this;
        }

        public GenerationRequest build() {
            return new GenerationRequest(seeds, classes, guidance, sampler, budget, grid, finalZero, dtype, noise,
                    start, temperature, observation, callback);
        }
    }
}
