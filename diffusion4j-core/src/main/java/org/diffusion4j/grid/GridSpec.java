package org.diffusion4j.grid;

import java.util.Arrays;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.process.DiscreteSchedule;
import org.diffusion4j.process.NoiseSchedule;

/**
 * How to place the noise levels of a sampling run. Each rule builds its levels in the variable it is defined in
 * (σ, t or λ) and maps them to the EDM view's σ = σ(t)/α(t) with the process's schedule. Names follow k-diffusion
 * ({@code get_sigmas_*}) and DPM-Solver ({@code skip_type}).
 */
public sealed interface GridSpec {

    /** {@code count} strictly decreasing positive levels. */
    double[] positiveSigmas(int count, NoiseSchedule schedule);

    /**
     * The grid of {@code steps} steps: with {@code appendZero} (k-diffusion's default) {@code steps} positive levels
     * and a final 0, otherwise {@code steps + 1} positive levels.
     */
    default Grid build(int steps, NoiseSchedule schedule, boolean appendZero) {
        if (steps < 1) {
            throw new InvalidArgumentException("a grid needs at least 1 step, got " + steps);
        }
        double[] positive = positiveSigmas(appendZero ? steps : steps + 1, schedule);
        return Grid.of(appendZero ? Arrays.copyOf(positive, positive.length + 1) : positive);
    }

    /** {@code count} points from a to b, evenly spaced, both included (a when count = 1). */
    private static double[] linspace(double a, double b, int count) {
        double[] out = new double[count];
        for (int i = 0; i < count; i++) {
            out[i] = count == 1 ? a : a + (b - a) * i / (count - 1);
        }
        return out;
    }

    private static void checkKarras(double sigmaMin, double sigmaMax, double rho) {
        checkRange(sigmaMin, sigmaMax);
        if (!(rho > 0)) {
            throw new InvalidGridException("Karras ρ must be positive, got " + rho);
        }
    }

    /** Karras's ρ-ramp at the given fractions of the way from σ_max (0) to σ_min (1). */
    private static double[] karrasRamp(double[] fractions, double sigmaMin, double sigmaMax, double rho) {
        double maxInvRho = Math.pow(sigmaMax, 1 / rho);
        double minInvRho = Math.pow(sigmaMin, 1 / rho);
        return Arrays.stream(fractions).map(ramp -> Math.pow(maxInvRho + ramp * (minInvRho - maxInvRho), rho))
                .toArray();
    }

    private static void checkRange(double sigmaMin, double sigmaMax) {
        if (!(sigmaMin > 0 && sigmaMax > sigmaMin && Double.isFinite(sigmaMax))) {
            throw new InvalidGridException("need 0 < σ_min < σ_max < ∞, got σ_min = " + sigmaMin + ", σ_max = "
                    + sigmaMax);
        }
    }

    /**
     * Karras et al. (2022), eq. 5: {@code σ_i = (σ_max^{1/ρ} + i/(n−1)·(σ_min^{1/ρ} − σ_max^{1/ρ}))^ρ}.
     */
    record Karras(double sigmaMin, double sigmaMax, double rho) implements GridSpec {
        public Karras {
            checkKarras(sigmaMin, sigmaMax, rho);
        }

        @Override
        public double[] positiveSigmas(int count, NoiseSchedule schedule) {
            return karrasRamp(linspace(0, 1, count), sigmaMin, sigmaMax, rho);
        }
    }

    /**
     * Karras's ρ-ramp sampled at the fractions i/n instead of i/(n−1): {@code σ_i = (σ_max^{1/ρ} + (i/n)·(σ_min^{1/ρ}
     * − σ_max^{1/ρ}))^ρ} for i = 0 … n−1, so that with the final 0 (the ramp's end, where σ_min would be) the grid of
     * N steps is every other level of the grid of 2N steps. Progressive distillation (Salimans &amp; Ho 2022) needs
     * this nesting: one student step spans exactly two teacher steps. σ_min itself is never a level.
     */
    record NestedKarras(double sigmaMin, double sigmaMax, double rho) implements GridSpec {
        public NestedKarras {
            checkKarras(sigmaMin, sigmaMax, rho);
        }

        @Override
        public double[] positiveSigmas(int count, NoiseSchedule schedule) {
            double[] fractions = new double[count];
            for (int i = 0; i < count; i++) {
                fractions[i] = (double) i / count;
            }
            return karrasRamp(fractions, sigmaMin, sigmaMax, rho);
        }
    }

    /** Geometric levels, i.e. uniform in log σ and so uniform in λ = −log σ: k-diffusion's exponential. */
    record Exponential(double sigmaMin, double sigmaMax) implements GridSpec {
        public Exponential {
            checkRange(sigmaMin, sigmaMax);
        }

        @Override
        public double[] positiveSigmas(int count, NoiseSchedule schedule) {
            return Arrays.stream(linspace(Math.log(sigmaMax), Math.log(sigmaMin), count)).map(Math::exp).toArray();
        }
    }

    /** k-diffusion's polyexponential: {@code log σ = ramp^ρ·(log σ_max − log σ_min) + log σ_min}, ramp 1 → 0. */
    record PolyExponential(double sigmaMin, double sigmaMax, double rho) implements GridSpec {
        public PolyExponential {
            checkRange(sigmaMin, sigmaMax);
            if (!(rho > 0)) {
                throw new InvalidGridException("polyexponential ρ must be positive, got " + rho);
            }
        }

        @Override
        public double[] positiveSigmas(int count, NoiseSchedule schedule) {
            double logMin = Math.log(sigmaMin);
            double logMax = Math.log(sigmaMax);
            return Arrays.stream(linspace(1, 0, count))
                    .map(ramp -> Math.exp(Math.pow(ramp, rho) * (logMax - logMin) + logMin)).toArray();
        }
    }

    /**
     * k-diffusion's vp grid: t uniform from 1 to ε_s, {@code σ = √(exp(β_d t²/2 + β_min t) − 1)} (the continuous
     * VP process's σ/α at those times, whatever process is sampled).
     */
    record Vp(double betaD, double betaMin, double epsS) implements GridSpec {
        public Vp {
            if (!(betaD > 0 && betaMin >= 0 && epsS > 0 && epsS < 1)) {
                throw new InvalidGridException("vp grid needs β_d > 0, β_min ≥ 0 and 0 < ε_s < 1, got " + betaD
                        + ", " + betaMin + ", " + epsS);
            }
        }

        /** k-diffusion's defaults β_d = 19.9, β_min = 0.1, ε_s = 1e-3. */
        public Vp() {
            this(19.9, 0.1, 1e-3);
        }

        @Override
        public double[] positiveSigmas(int count, NoiseSchedule schedule) {
            return Arrays.stream(linspace(1, epsS, count))
                    .map(t -> Math.sqrt(Math.expm1(betaD * t * t / 2 + betaMin * t))).toArray();
        }
    }

    /**
     * Uniform in the process's own time t between the times whose EDM levels are σ_max and σ_min (DPM-Solver's
     * {@code time_uniform}).
     */
    record UniformTime(double sigmaMin, double sigmaMax) implements GridSpec {
        public UniformTime {
            checkRange(sigmaMin, sigmaMax);
        }

        @Override
        public double[] positiveSigmas(int count, NoiseSchedule schedule) {
            double tMax = schedule.timeOfEdmSigma(sigmaMax);
            double tMin = schedule.timeOfEdmSigma(sigmaMin);
            return Arrays.stream(linspace(tMax, tMin, count)).map(schedule::edmSigma).toArray();
        }
    }

    /**
     * Uniform in √t between the times of σ_max and σ_min, so quadratic in t (DDIM's "quadratic" skip, in
     * DPM-Solver's continuous form {@code time_quadratic}).
     */
    record Quadratic(double sigmaMin, double sigmaMax) implements GridSpec {
        public Quadratic {
            checkRange(sigmaMin, sigmaMax);
        }

        @Override
        public double[] positiveSigmas(int count, NoiseSchedule schedule) {
            double rootMax = Math.sqrt(schedule.timeOfEdmSigma(sigmaMax));
            double rootMin = Math.sqrt(schedule.timeOfEdmSigma(sigmaMin));
            return Arrays.stream(linspace(rootMax, rootMin, count)).map(r -> schedule.edmSigma(r * r)).toArray();
        }
    }

    /**
     * Uniform in λ = log(α/σ) between λ(σ_max) and λ(σ_min) (DPM-Solver's {@code logSNR}). Since the EDM level is
     * e^{−λ}, these are the same levels as {@link Exponential}; the rule exists under its own name because users
     * look for it.
     */
    record UniformLogSnr(double sigmaMin, double sigmaMax) implements GridSpec {
        public UniformLogSnr {
            checkRange(sigmaMin, sigmaMax);
        }

        @Override
        public double[] positiveSigmas(int count, NoiseSchedule schedule) {
            return Arrays.stream(linspace(-Math.log(sigmaMax), -Math.log(sigmaMin), count))
                    .map(lambda -> Math.exp(-lambda)).toArray();
        }
    }

    /**
     * The step sizes of Li, Huang, Efimov, Wei, Chi &amp; Chen (2024), the schedule their convergence theorems assume
     * (the same as Li et al. 2023): with T = {@code count} steps,
     * <pre>
     * β_1 = T^{−c₀},   β_{t+1} = (c₁·log T / T)·min{β_1·(1 + c₁·log T / T)^t, 1}
     * </pre>
     * geometric at first, then constant c₁·log T/T; with α_t = 1 − β_t and ᾱ_t = ∏α the levels are the chain's
     * σ̃_t = √((1 − ᾱ_t)/ᾱ_t) for t = T … 1. The paper asks only that c₀, c₁ be large enough; c₁ &gt; c₀ makes ᾱ_T of
     * order T^{−(c₁−c₀)}. The authors' code does not use it (their runs respace the pretrained models' linear and
     * cosine schedules). Like {@link Vp}, it defines the levels whatever process is sampled.
     *
     * @param c0 c₀ &gt; 0
     * @param c1 c₁ &gt; c₀
     */
    record LiSchedule(double c0, double c1) implements GridSpec {
        public LiSchedule {
            if (!(c0 > 0 && c1 > c0 && Double.isFinite(c1))) {
                throw new InvalidGridException("Li et al.'s schedule needs 0 < c₀ < c₁ < ∞, got c₀ = " + c0
                        + ", c₁ = " + c1);
            }
        }

        /** c₀ = 2, c₁ = 4. */
        public LiSchedule() {
            this(2, 4);
        }

        /** β_1 … β_T for T = {@code steps}. */
        public double[] betas(int steps) {
            if (steps < 2) {
                throw new InvalidGridException("Li et al.'s schedule needs T ≥ 2 (log T > 0), got " + steps);
            }
            double rate = c1 * Math.log(steps) / steps;
            double[] beta = new double[steps];
            beta[0] = Math.pow(steps, -c0);
            for (int t = 1; t < steps; t++) {
                beta[t] = rate * Math.min(beta[0] * Math.pow(1 + rate, t), 1);
            }
            return beta;
        }

        @Override
        public double[] positiveSigmas(int count, NoiseSchedule schedule) {
            double[] beta = betas(count);
            double[] out = new double[count];
            double logAlphaBar = 0;
            for (int t = 0; t < count; t++) {
                logAlphaBar += Math.log1p(-beta[t]);
                out[count - 1 - t] = Math.sqrt(Math.expm1(-logAlphaBar));
            }
            return out;
        }
    }

    /**
     * A discrete chain's own training timesteps, respaced the way DDIM's code does ({@code skip_type}; Song, Meng
     * &amp; Ermon 2021): {@code uniform} takes every ⌊T/N⌋-th timestep 0, k, 2k, …; {@code quadratic} takes
     * ⌊(i·√(0.8·T)/(N − 1))²⌋, i = 0 … N − 1, crowding the steps near the data. The levels are the chain's training
     * levels σ̃_j at those integer timesteps, highest first, so a respaced run queries the network only at the
     * timesteps it was trained on.
     */
    record Respaced(Skip skip) implements GridSpec {
        /** How the timesteps are skipped. */
        public enum Skip { UNIFORM, QUADRATIC }

        @Override
        public double[] positiveSigmas(int count, NoiseSchedule schedule) {
            if (!(schedule instanceof DiscreteSchedule chain)) {
                throw new InvalidGridException("a respaced grid needs a discrete chain (ddpm-linear, ddpm-cosine, "
                        + "...), got the schedule " + schedule.name());
            }
            int size = chain.size();
            if (count > size) {
                throw new InvalidGridException("cannot respace " + size + " timesteps into " + count + " levels");
            }
            double[] training = chain.trainingSigmas();
            double[] out = new double[count];
            int previous = -1;
            for (int i = 0; i < count; i++) {
                int j = timestep(i, count, size);
                if (j <= previous) {
                    throw new InvalidGridException(skip.name().toLowerCase(java.util.Locale.ROOT) + " respacing of "
                            + size + " timesteps into " + count + " levels repeats timestep " + j
                            + "; use fewer steps or uniform skipping");
                }
                previous = j;
                out[count - 1 - i] = training[j];
            }
            return out;
        }

        private int timestep(int i, int count, int size) {
            if (skip == Skip.UNIFORM) {
                return i * (size / count);
            }
            double root = count == 1 ? 0 : i * Math.sqrt(0.8 * size) / (count - 1);
            return (int) (root * root);
        }
    }

    /**
     * The levels of a grid file ({@link GridFile}, {@code --grid file:PATH}): its positive levels, and a final 0 when
     * {@code build} asks for one. Unlike {@link Explicit}, the file fixes the step count: a run of any other number of
     * steps is refused, naming the file and what it was made for.
     *
     * @param source the file, for messages
     * @param file what it holds
     */
    record FromFile(String source, GridFile file) implements GridSpec {
        /** The steps this grid gives with or without a final zero. */
        public int steps(boolean appendZero) {
            int positive = positive().length;
            return appendZero ? positive : positive - 1;
        }

        private double[] positive() {
            double[] sigmas = file.sigmas();
            return sigmas[sigmas.length - 1] == 0 ? Arrays.copyOf(sigmas, sigmas.length - 1) : sigmas;
        }

        @Override
        public double[] positiveSigmas(int count, NoiseSchedule schedule) {
            double[] positive = positive();
            if (count != positive.length) {
                throw new InvalidGridException("grid file " + source + " holds " + positive.length + " positive "
                        + "levels, but " + count + " are asked for");
            }
            return positive;
        }

        @Override
        public Grid build(int steps, NoiseSchedule schedule, boolean appendZero) {
            int own = steps(appendZero);
            if (steps != own) {
                throw new InvalidGridException("grid file " + source + " has " + own + " step" + (own == 1 ? "" : "s")
                        + (appendZero ? " (its positive levels and a final 0)" : " (its positive levels, no final 0)")
                        + ", but this run takes " + steps + "; it was made for " + file.sampler() + " at " + file.nfe()
                        + " NFE: use that budget, or another grid");
            }
            double[] positive = positive();
            return Grid.of(appendZero ? Arrays.copyOf(positive, positive.length + 1) : positive);
        }
    }

    /** Exactly the listed positive levels (a final 0 in the list is dropped; {@code build} decides on it). */
    record Explicit(double[] sigmas) implements GridSpec {
        public Explicit {
            sigmas = sigmas.clone();
            int positive = sigmas.length > 0 && sigmas[sigmas.length - 1] == 0 ? sigmas.length - 1 : sigmas.length;
            sigmas = Arrays.copyOf(sigmas, positive);
            if (sigmas.length == 0) {
                throw new InvalidGridException("an explicit grid needs at least one positive level");
            }
        }

        @Override
        public double[] positiveSigmas(int count, NoiseSchedule schedule) {
            return sigmas.clone();
        }

        /** The listed levels define the steps: {@code steps} is ignored. */
        @Override
        public Grid build(int steps, NoiseSchedule schedule, boolean appendZero) {
            return Grid.of(appendZero ? Arrays.copyOf(sigmas, sigmas.length + 1) : sigmas.clone());
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Explicit e && Arrays.equals(sigmas, e.sigmas);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(sigmas);
        }

        @Override
        public String toString() {
            return "Explicit" + Arrays.toString(sigmas);
        }
    }
}
