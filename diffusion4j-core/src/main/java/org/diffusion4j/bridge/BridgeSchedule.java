package org.diffusion4j.bridge;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.SpecOptions;

/**
 * The reference SDE dx = f(t)·x dt + g(t) dw on t ∈ [0, 1] of a tractable Schrödinger bridge (Bridge-TTS, §3), and
 * what the bridge is built from: α_t = exp ∫₀ᵗ f, σ_t² = ∫₀ᵗ g²/α², ᾱ_t = α_t/α₁ and σ̄_t² = σ₁² − σ_t². Between the
 * data x₀ (t = 0) and the prior x₁ (t = 1) the bridge's marginal is ({@link #marginal})
 * <pre>
 *   x_t = a_t·x₀ + b_t·x₁ + c_t·ε,   a_t = α_t·σ̄_t²/σ₁²,   b_t = ᾱ_t·σ_t²/σ₁²,   c_t = α_t·σ̄_t·σ_t/σ₁,
 * </pre>
 * exactly x₀ at t = 0 and x₁ at t = 1. Each schedule has closed forms for α and σ² ({@link #byName} by spec).
 */
public sealed interface BridgeSchedule permits BridgeSchedule.ConstantG, BridgeSchedule.Gmax, BridgeSchedule.Vp {

    /** The schedule as {@link #byName} reads it back. */
    String spec();

    /** The drift coefficient f(t). */
    double f(double t);

    /** The squared diffusion g(t)². */
    double g2(double t);

    /** α_t = exp ∫₀ᵗ f(τ) dτ. */
    double alpha(double t);

    /** σ_t² = ∫₀ᵗ g(τ)²/α_τ² dτ. */
    double sigma2(double t);

    /** ᾱ_t = α_t/α₁. */
    default double alphaBar(double t) {
        return alpha(t) / alpha(1);
    }

    /** σ̄_t² = σ₁² − σ_t². */
    default double sigmaBar2(double t) {
        return Math.max(0, sigma2(1) - sigma2(t));
    }

    /** The bridge's marginal coefficients at t. */
    default Marginal marginal(double t) {
        double s1 = sigma2(1);
        double s = sigma2(t);
        double sBar = sigmaBar2(t);
        return new Marginal(alpha(t) * sBar / s1, alphaBar(t) * s / s1, alpha(t) * Math.sqrt(sBar * s / s1));
    }

    /**
     * x_t = a·x₀ + b·x₁ + c·ε given the endpoints.
     *
     * @param a the data's coefficient
     * @param b the prior's coefficient
     * @param c the noise's standard deviation
     */
    record Marginal(double a, double b, double c) {}

    /** g² = c constant, f = 0: the Brownian bridge (Bridge-TTS's symmetric ablation); σ_t² = c·t. */
    record ConstantG(double c) implements BridgeSchedule {
        public ConstantG {
            if (!(c > 0 && Double.isFinite(c))) {
                throw new InvalidArgumentException("the constant bridge schedule needs g² = c > 0, got " + c);
            }
        }

        @Override
        public String spec() {
            return "constant:c=" + c;
        }

        @Override
        public double f(double t) {
            return 0;
        }

        @Override
        public double g2(double t) {
            return c;
        }

        @Override
        public double alpha(double t) {
            return 1;
        }

        @Override
        public double sigma2(double t) {
            return c * t;
        }
    }

    /**
     * f = 0, g² = β₀ + t·(β₁ − β₀): Bridge-TTS's "g_max" schedule, its default (β₀ = 0.01, β₁ = 50);
     * σ_t² = β₀·t + ½(β₁ − β₀)·t².
     */
    record Gmax(double beta0, double beta1) implements BridgeSchedule {
        public Gmax {
            checkBetas("gmax", beta0, beta1);
        }

        @Override
        public String spec() {
            return "gmax:beta_0=" + beta0 + ",beta_1=" + beta1;
        }

        @Override
        public double f(double t) {
            return 0;
        }

        @Override
        public double g2(double t) {
            return beta0 + t * (beta1 - beta0);
        }

        @Override
        public double alpha(double t) {
            return 1;
        }

        @Override
        public double sigma2(double t) {
            return beta0 * t + 0.5 * (beta1 - beta0) * t * t;
        }
    }

    /**
     * f = −½β(t), g² = β(t) with β(t) = β₀ + t·(β₁ − β₀): Bridge-TTS's VP schedule (β₀ = 0.01, β₁ = 20);
     * α_t = exp(−½B(t)) and σ_t² = e^{B(t)} − 1 with B(t) = β₀·t + ½(β₁ − β₀)·t².
     */
    record Vp(double beta0, double beta1) implements BridgeSchedule {
        public Vp {
            checkBetas("vp", beta0, beta1);
        }

        @Override
        public String spec() {
            return "vp:beta_0=" + beta0 + ",beta_1=" + beta1;
        }

        private double integral(double t) {
            return beta0 * t + 0.5 * (beta1 - beta0) * t * t;
        }

        @Override
        public double f(double t) {
            return -0.5 * g2(t);
        }

        @Override
        public double g2(double t) {
            return beta0 + t * (beta1 - beta0);
        }

        @Override
        public double alpha(double t) {
            return Math.exp(-0.5 * integral(t));
        }

        @Override
        public double sigma2(double t) {
            return Math.expm1(integral(t));
        }
    }

    private static void checkBetas(String name, double beta0, double beta1) {
        if (!(beta0 >= 0 && beta1 > 0 && Double.isFinite(beta0) && Double.isFinite(beta1))) {
            throw new InvalidArgumentException("the " + name + " bridge schedule needs β₀ ≥ 0 and β₁ > 0, got "
                    + beta0 + " and " + beta1);
        }
    }

    /**
     * The schedule of {@code spec}: {@code gmax[:beta_0=0.01,beta_1=50]}, {@code vp[:beta_0=0.01,beta_1=20]} or
     * {@code constant[:c=1]}; unknown names list the known ones.
     */
    static BridgeSchedule byName(String spec) {
        Map<String, Function<SpecOptions, BridgeSchedule>> byName = new LinkedHashMap<>();
        byName.put("gmax", o -> new Gmax(o.number("beta_0", 0.01), o.number("beta_1", 50)));
        byName.put("vp", o -> new Vp(o.number("beta_0", 0.01), o.number("beta_1", 20)));
        byName.put("constant", o -> new ConstantG(o.number("c", 1)));
        return SpecOptions.create("bridge schedule", spec, byName);
    }
}
