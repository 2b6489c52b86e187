package org.diffusion4j.phase;

import org.diffusion4j.InvalidArgumentException;

/**
 * Phase-Space Langevin Diffusion (Pandey &amp; Mandt 2023): each data coordinate x is paired with a velocity m, and
 * <pre>
 * dx = (β/2)(M⁻¹m − Γx) dt + √(Γβ) dW_x
 * dm = (β/2)(−x − νm) dt + √(Mνβ) dW_m
 * </pre>
 * that is dz = F_t z dt + G_t dW with {@code F_t = (β(t)/2)·K}, {@code K = [[−Γ, M⁻¹], [−1, −ν]]} and
 * {@code G_tG_tᵀ = β(t)·diag(Γ, Mν)} on every (x, m) pair. The stationary law is N(0, 1) × N(0, M) whatever Γ, ν
 * and M; critical damping is {@code (Γ − ν)² = 4M⁻¹}. CLD (Dockhorn et al. 2022) is Γ = 0. β(t) = β_min + (β_max −
 * β_min)·t (the paper: constant β = 8), so everything depends on t through {@code B(t) = ∫₀ᵗ β}.
 *
 * <p>With {@code E(s, t) = exp(K·(B(t) − B(s))/2)} and Σ_∞ = diag(1, M), the transition from time s to t is exact:
 * mean {@code E·z_s}, covariance {@code Σ_∞ + E(Σ_s − Σ_∞)Eᵀ} (the Lyapunov equation of a stable constant-coefficient
 * system, in the time B/2). Training conditions on x_0 alone: m_0 ~ N(0, γM), so the conditional ("HSM") covariance
 * of z_t starts from diag(0, γM).
 *
 * @param gamma Γ, the damping of x
 * @param nu ν, the damping of m
 * @param massInverse M⁻¹
 * @param betaMin β(0)
 * @param betaMax β(1)
 * @param initialVelocityVariance γM, the variance of m_0
 */
public record Psld(double gamma, double nu, double massInverse, double betaMin, double betaMax,
        double initialVelocityVariance) {

    public Psld {
        if (!(gamma >= 0 && nu > 0 && massInverse > 0 && betaMin > 0 && betaMax >= betaMin
                && initialVelocityVariance > 0)) {
            throw new InvalidArgumentException("PSLD needs Γ ≥ 0, ν > 0, M⁻¹ > 0, 0 < β_min ≤ β_max and γM > 0; got Γ "
                    + gamma + ", ν " + nu + ", M⁻¹ " + massInverse + ", β " + betaMin + "…" + betaMax + ", γM "
                    + initialVelocityVariance);
        }
    }

    /**
     * The paper's critically damped configuration: M⁻¹ = 4, ν = Γ + 4, constant β, m_0 ~ N(0, γM) with γM = 0.01
     * (γ = 0.04). Its CIFAR-10 runs use Γ = 0.02 and β = 8.
     */
    public static Psld criticallyDamped(double gamma, double beta) {
        return new Psld(gamma, gamma + 4, 4, beta, beta, 0.01);
    }

    /** M, the variance of the stationary velocity. */
    public double mass() {
        return 1 / massInverse;
    }

    /** β(t). */
    public double beta(double t) {
        return betaMin + (betaMax - betaMin) * t;
    }

    /** B(t) = ∫₀ᵗ β. */
    public double integratedBeta(double t) {
        return betaMin * t + 0.5 * (betaMax - betaMin) * t * t;
    }

    /** K, the drift per unit of β/2. */
    public Matrix2 driftShape() {
        return new Matrix2(-gamma, massInverse, -1, -nu);
    }

    /** F_t = (β(t)/2)·K. */
    public Matrix2 drift(double t) {
        return driftShape().times(beta(t) / 2);
    }

    /** G_tG_tᵀ = β(t)·diag(Γ, Mν). */
    public Matrix2 diffusionSquared(double t) {
        return Matrix2.diagonal(gamma, mass() * nu).times(beta(t));
    }

    /** The stationary covariance diag(1, M). */
    public Matrix2 stationaryCovariance() {
        return Matrix2.diagonal(1, mass());
    }

    /** E(s, t), the mean map from time s to time t. */
    public Matrix2 transition(double s, double t) {
        return driftShape().times((integratedBeta(t) - integratedBeta(s)) / 2).exp();
    }

    /** E(0, t). */
    public Matrix2 transition(double t) {
        return transition(0, t);
    }

    /** The covariance at t of a process with covariance {@code initial} at s. */
    public Matrix2 covariance(double s, double t, Matrix2 initial) {
        Matrix2 e = transition(s, t);
        Matrix2 stationary = stationaryCovariance();
        return stationary.plus(e.times(initial.minus(stationary)).times(e.transpose()));
    }

    /** The covariance of z_t given x_0: the process from diag(0, γM) at time 0. */
    public Matrix2 conditionalCovariance(double t) {
        return covariance(0, t, Matrix2.diagonal(0, initialVelocityVariance));
    }
}
