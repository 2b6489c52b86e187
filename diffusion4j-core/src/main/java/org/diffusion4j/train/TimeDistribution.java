package org.diffusion4j.train;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.SplittableRandom;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.process.NoiseSchedule;

/** Where training draws its times (noise levels), one per sample. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
@JsonSubTypes({@JsonSubTypes.Type(value = TimeDistribution.Uniform.class, name = "uniform"),
    @JsonSubTypes.Type(value = TimeDistribution.LogNormal.class, name = "log-normal"),
    @JsonSubTypes.Type(value = TimeDistribution.LogitNormal.class, name = "logit-normal"),
    @JsonSubTypes.Type(value = TimeDistribution.LogUniform.class, name = "log-uniform"),
    @JsonSubTypes.Type(value = TimeDistribution.GridLevels.class, name = "grid-levels")})
public sealed interface TimeDistribution {

    /** A time of {@code schedule}'s domain. */
    double sample(SplittableRandom random, NoiseSchedule schedule);

    /** Clamps to the schedule's domain, away from its ends by a relative 1e-6. */
    private static double clamp(double t, NoiseSchedule schedule) {
        double hi = Double.isInfinite(schedule.maxTime()) ? Double.MAX_VALUE : schedule.maxTime();
        double margin = 1e-6 * (Double.isInfinite(schedule.maxTime()) ? 1 : hi - schedule.minTime());
        return Math.min(Math.max(t, schedule.minTime() + margin), hi - margin);
    }

    /** t uniform on [min, max] (DDPM; EDM's VP loss with min = ε_t = 1e-5, max = 1). */
    record Uniform(double min, double max) implements TimeDistribution {
        public Uniform {
            if (!(min < max)) {
                throw new InvalidArgumentException("uniform time needs min < max, got " + min + ", " + max);
            }
        }

        @Override
        public double sample(SplittableRandom random, NoiseSchedule schedule) {
            return clamp(min + (max - min) * random.nextDouble(), schedule);
        }
    }

    /** ln σ̃ ~ N(mean, std²) in the EDM view, mapped to t (EDM: P_mean = −1.2, P_std = 1.2). */
    record LogNormal(double mean, double std) implements TimeDistribution {
        public LogNormal {
            if (!(std > 0)) {
                throw new InvalidArgumentException("log-normal time needs std > 0, got " + std);
            }
        }

        @Override
        public double sample(SplittableRandom random, NoiseSchedule schedule) {
            double sigma = Math.exp(mean + std * random.nextGaussian());
            double lo = schedule.edmSigma(clamp(schedule.minTime(), schedule));
            double hi = schedule.edmSigma(clamp(Double.MAX_VALUE, schedule));
            return clamp(schedule.timeOfEdmSigma(Math.min(Math.max(sigma, lo), hi)), schedule);
        }
    }

    /** t = sigmoid(N(mean, std²)) on (0, 1) (Esser et al. 2024; for interpolants). */
    record LogitNormal(double mean, double std) implements TimeDistribution {
        public LogitNormal {
            if (!(std > 0)) {
                throw new InvalidArgumentException("logit-normal time needs std > 0, got " + std);
            }
        }

        @Override
        public double sample(SplittableRandom random, NoiseSchedule schedule) {
            if (Double.isInfinite(schedule.maxTime())) {
                throw new InvalidArgumentException("logit-normal times need a bounded process time; "
                        + schedule.name() + " is unbounded (use log-normal)");
            }
            double z = mean + std * random.nextGaussian();
            return clamp(schedule.minTime() + (1 / (1 + Math.exp(-z))) * (schedule.maxTime() - schedule.minTime()),
                    schedule);
        }
    }

    /** σ̃ log-uniform on [sigmaMin, sigmaMax], mapped to t (EDM's VE loss: 0.02 … 100). */
    record LogUniform(double sigmaMin, double sigmaMax) implements TimeDistribution {
        public LogUniform {
            if (!(sigmaMin > 0 && sigmaMax > sigmaMin)) {
                throw new InvalidArgumentException("log-uniform σ needs 0 < min < max, got " + sigmaMin + ", "
                        + sigmaMax);
            }
        }

        @Override
        public double sample(SplittableRandom random, NoiseSchedule schedule) {
            double sigma = sigmaMin * Math.pow(sigmaMax / sigmaMin, random.nextDouble());
            return clamp(schedule.timeOfEdmSigma(sigma), schedule);
        }
    }

    /**
     * One of the {@code steps} positive levels of the {@code nested-karras} grid over [σ_min, σ_max] with ρ, uniformly,
     * mapped to t: progressive distillation draws its times on the student's own N-step grid (Salimans &amp; Ho 2022,
     * Algorithm 2: {@code t = i/N}, i uniform).
     */
    record GridLevels(int steps, double sigmaMin, double sigmaMax, double rho) implements TimeDistribution {
        public GridLevels {
            if (steps < 1) {
                throw new InvalidArgumentException("grid-levels time needs steps ≥ 1, got " + steps);
            }
            new org.diffusion4j.grid.GridSpec.NestedKarras(sigmaMin, sigmaMax, rho);
        }

        /** The grid whose positive levels are drawn (a final 0 after them). */
        public org.diffusion4j.grid.Grid grid(NoiseSchedule schedule) {
            return new org.diffusion4j.grid.GridSpec.NestedKarras(sigmaMin, sigmaMax, rho).build(steps, schedule, true);
        }

        @Override
        public double sample(SplittableRandom random, NoiseSchedule schedule) {
            double sigma = new org.diffusion4j.grid.GridSpec.NestedKarras(sigmaMin, sigmaMax, rho)
                    .positiveSigmas(steps, schedule)[random.nextInt(steps)];
            return schedule.timeOfEdmSigma(sigma);
        }
    }
}
