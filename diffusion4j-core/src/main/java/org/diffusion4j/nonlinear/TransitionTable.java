package org.diffusion4j.nonlinear;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * The transition densities {@code p_t(x | x_0)} of a {@link SineDriftProcess}, one coordinate at a time, for every data
 * level x_0 and every tabulated time, from a Fokker–Planck solve: {@code ∂p/∂t = −∂_x(f·p) + (g²/2)·∂²_x p}.
 *
 * <p>The solve is a finite-volume one on a uniform grid over [−{@link #HALF_WIDTH}, {@link #HALF_WIDTH}] with
 * Scharfetter–Gummel fluxes (exact for the stationary density of a gradient drift, so mass and the discrete
 * equilibrium are kept; zero flux at the ends) and Crank–Nicolson steps, started at t_min/2 from the Gaussian the
 * linear-noise approximation gives there (mean and variance of the linearized SDE; its error is of order t^{3/2}).
 * At each tabulated time it stores, per level, the mean m and standard deviation s of the density and three columns
 * over z = (x − m)/s on [−{@link #Z_MAX}, {@link #Z_MAX}]: the distribution function, the density of z and the score
 * of z ({@code ∂_z ln p}). Between z nodes the distribution function is the cubic Hermite interpolant with the
 * density as its slope (sampling inverts it), the density is Catmull–Rom and the score linear.
 *
 * <p>This is what makes denoising score matching exact for a non-linear process: given x_0 the coordinates of x_t are
 * independent, each drawn from its tabulated density, and the target {@code ∇ ln p_t(x_t | x_0)} is the tabulated
 * score, coordinate by coordinate.
 */
public final class TransitionTable {
    /** Half-width of the Fokker–Planck grid. */
    public static final double HALF_WIDTH = 7;
    /** The tabulated range of z = (x − m)/s. */
    public static final double Z_MAX = 6;
    private static final int Z_NODES = 193;
    private static final double DZ = 2 * Z_MAX / (Z_NODES - 1);
    /** The Fokker–Planck grid's spacing. */
    public static final double DX = 0.005;

    private final SineDriftProcess process;
    private final double[] means;
    private final double[] deviations;
    private final double[] distribution;
    private final float[] densities;
    private final float[] scores;

    /** Solves the Fokker–Planck equation of {@code process} for every level (grid spacing {@value #DX}). */
    public TransitionTable(SineDriftProcess process) {
        this.process = process;
        int cells = process.levels() * process.times();
        means = new double[cells];
        deviations = new double[cells];
        distribution = new double[cells * Z_NODES];
        densities = new float[cells * Z_NODES];
        scores = new float[cells * Z_NODES];
        Solver solver = new Solver(process);
        IntStream.range(0, process.levels()).parallel().forEach(level -> solver.solve(level, this));
    }

    public SineDriftProcess process() {
        return process;
    }

    private int cell(int level, int k) {
        if (level < 0 || level >= process.levels() || k < 0 || k >= process.times()) {
            throw new IndexOutOfBoundsException("level " + level + ", time " + k + " outside the table ("
                    + process.levels() + " levels, " + process.times() + " times)");
        }
        return level * process.times() + k;
    }

    /** The mean of x_t given x_0 = level, at tabulated time k. */
    public double mean(int level, int k) {
        return means[cell(level, k)];
    }

    /** The standard deviation of x_t given x_0 = level, at tabulated time k. */
    public double deviation(int level, int k) {
        return deviations[cell(level, k)];
    }

    /**
     * The x with {@code P(x_t ≤ x | x_0) = u} within the tabulated range (u is mapped linearly onto the distribution
     * function's values at ±{@link #Z_MAX}): inverse-transform sampling from a uniform u in [0, 1].
     */
    public double quantile(int level, int k, double u) {
        int c = cell(level, k);
        int base = c * Z_NODES;
        double lo = distribution[base];
        double hi = distribution[base + Z_NODES - 1];
        double target = lo + Math.min(Math.max(u, 0), 1) * (hi - lo);
        int found = Arrays.binarySearch(distribution, base, base + Z_NODES, target);
        int a = Math.min(Math.max((found >= 0 ? found : -found - 2) - base, 0), Z_NODES - 2);
        int b = a + 1;
        double c0 = distribution[base + a];
        double c1 = distribution[base + b];
        double q0 = densities[base + a] * DZ;
        double q1 = densities[base + b] * DZ;
        double left = 0;
        double right = 1;
        double tau = c1 > c0 ? (target - c0) / (c1 - c0) : 0.5;
        for (int it = 0; it < 40; it++) {
            double value = hermite(c0, q0, c1, q1, tau) - target;
            if (Math.abs(value) <= 1e-15) {
                break;
            }
            if (value > 0) {
                right = tau;
            } else {
                left = tau;
            }
            double slope = hermiteSlope(c0, q0, c1, q1, tau);
            double next = tau - value / slope;
            tau = slope > 0 && next > left && next < right ? next : 0.5 * (left + right);
        }
        double z = -Z_MAX + (a + tau) * DZ;
        return means[c] + deviations[c] * z;
    }

    /**
     * The tabulated density p_t(x | x_0 = level) at time k, Catmull–Rom between z nodes (0 outside the tabulated
     * range).
     */
    public double density(int level, int k, double x) {
        int c = cell(level, k);
        double z = (x - means[c]) / deviations[c];
        if (z < -Z_MAX || z > Z_MAX) {
            return 0;
        }
        int base = c * Z_NODES;
        int a = Math.min(Math.max((int) ((z + Z_MAX) / DZ), 1), Z_NODES - 3);
        double tau = (z + Z_MAX) / DZ - a;
        return Solver.catmullRom(densities[base + a - 1], densities[base + a], densities[base + a + 1],
                densities[base + a + 2], tau) / deviations[c];
    }

    /**
     * ln p_t(x | x_0 = level) at time k: of {@link #density} within the tabulated range, extended linearly with the
     * edge's score beyond it (the score is constant there, see {@link #score}), so weights of far points stay finite.
     */
    public double logDensity(int level, int k, double x) {
        int c = cell(level, k);
        double edge = Math.min(Math.max(x, means[c] - Z_MAX * deviations[c]), means[c] + Z_MAX * deviations[c]);
        return Math.log(density(level, k, edge)) + score(level, k, edge) * (x - edge);
    }

    /** The score ∂_x ln p_t(x | x_0 = level) at time k; z is clamped to the tabulated range. */
    public double score(int level, int k, double x) {
        int c = cell(level, k);
        double z = Math.min(Math.max((x - means[c]) / deviations[c], -Z_MAX), Z_MAX);
        int base = c * Z_NODES;
        int a = Math.min((int) ((z + Z_MAX) / DZ), Z_NODES - 2);
        double tau = (z + Z_MAX) / DZ - a;
        return ((1 - tau) * scores[base + a] + tau * scores[base + a + 1]) / deviations[c];
    }

    /**
     * The conditional mean {@code E[x_t | x_0]} for any x_0 in [−1, 1] and t in [t_min, T]: linear between levels and
     * between tabulated times in ln t.
     */
    public double mean(double x0, double t) {
        return interpolate(means, x0, t);
    }

    /** The conditional standard deviation, interpolated as {@link #mean(double, double)}. */
    public double deviation(double x0, double t) {
        return interpolate(deviations, x0, t);
    }

    private double interpolate(double[] table, double x0, double t) {
        double u = Math.min(Math.max((x0 + 1) / 2 * (process.levels() - 1), 0), process.levels() - 1);
        int i = Math.min((int) u, process.levels() - 2);
        double wi = u - i;
        double v = Math.log(Math.min(Math.max(t, process.minTime()), process.horizon()) / process.minTime())
                / Math.log(process.horizon() / process.minTime()) * (process.times() - 1);
        int k = Math.min((int) v, process.times() - 2);
        double wk = v - k;
        return (1 - wi) * ((1 - wk) * table[cell(i, k)] + wk * table[cell(i, k + 1)])
                + wi * ((1 - wk) * table[cell(i + 1, k)] + wk * table[cell(i + 1, k + 1)]);
    }

    private static double hermite(double c0, double q0, double c1, double q1, double tau) {
        double t2 = tau * tau;
        double t3 = t2 * tau;
        return (2 * t3 - 3 * t2 + 1) * c0 + (t3 - 2 * t2 + tau) * q0 + (-2 * t3 + 3 * t2) * c1 + (t3 - t2) * q1;
    }

    private static double hermiteSlope(double c0, double q0, double c1, double q1, double tau) {
        double t2 = tau * tau;
        return (6 * t2 - 6 * tau) * c0 + (3 * t2 - 4 * tau + 1) * q0 + (-6 * t2 + 6 * tau) * c1
                + (3 * t2 - 2 * tau) * q1;
    }

    /** The finite-volume Crank–Nicolson solve, shared by all levels (its step factorizations are computed once). */
    private static final class Solver {
        private final SineDriftProcess process;
        private final double dx;
        private final int n;
        private final double[] lower;
        private final double[] diagonal;
        private final double[] upper;
        private final int[] substeps;
        private final double[][] factors;

        Solver(SineDriftProcess process) {
            this.process = process;
            this.dx = DX;
            n = (int) Math.round(2 * HALF_WIDTH / dx) + 1;
            lower = new double[n];
            diagonal = new double[n];
            upper = new double[n];
            double d = process.diffusionSquared() / 2;
            for (int j = 0; j + 1 < n; j++) {
                double w = process.drift(x(j) + dx / 2) * dx / d;
                double forward = d / (dx * dx) * bernoulli(-w);
                double backward = d / (dx * dx) * bernoulli(w);
                diagonal[j] -= forward;
                upper[j] = backward;
                lower[j + 1] = forward;
                diagonal[j + 1] -= backward;
            }
            int times = process.times();
            substeps = new int[times];
            factors = new double[times][];
            double previous = process.minTime() / 2;
            for (int k = 0; k < times; k++) {
                double end = process.tabulatedTime(k);
                double step = Math.min(0.05 * previous, 0.02);
                substeps[k] = (int) Math.ceil((end - previous) / step - 1e-9);
                factors[k] = factor((end - previous) / substeps[k]);
                previous = end;
            }
        }

        private double x(int j) {
            return -HALF_WIDTH + j * dx;
        }

        /** B(w) = w/(e^w − 1), B(0) = 1. */
        private static double bernoulli(double w) {
            return Math.abs(w) < 1e-12 ? 1 - w / 2 : w / Math.expm1(w);
        }

        /** Thomas factorization of I − (h/2)·A: the modified super-diagonal and the pivots' inverses; h last. */
        private double[] factor(double h) {
            double[] f = new double[2 * n + 1];
            double pivot = 1 - h / 2 * diagonal[0];
            f[n] = 1 / pivot;
            f[0] = -h / 2 * upper[0] / pivot;
            for (int j = 1; j < n; j++) {
                pivot = 1 - h / 2 * diagonal[j] - (-h / 2 * lower[j]) * f[j - 1];
                f[n + j] = 1 / pivot;
                f[j] = -h / 2 * upper[j] / pivot;
            }
            f[2 * n] = h;
            return f;
        }

        private void step(double[] p, double[] rhs, double[] f) {
            double h = f[2 * n];
            for (int j = 0; j < n; j++) {
                double v = p[j] + h / 2 * diagonal[j] * p[j];
                if (j > 0) {
                    v += h / 2 * lower[j] * p[j - 1];
                }
                if (j + 1 < n) {
                    v += h / 2 * upper[j] * p[j + 1];
                }
                rhs[j] = v;
            }
            p[0] = rhs[0] * f[n];
            for (int j = 1; j < n; j++) {
                p[j] = (rhs[j] + h / 2 * lower[j] * p[j - 1]) * f[n + j];
            }
            for (int j = n - 2; j >= 0; j--) {
                p[j] -= f[j] * p[j + 1];
            }
        }

        void solve(int level, TransitionTable table) {
            double[] p = start(process.level(level), process.minTime() / 2);
            double[] rhs = new double[n];
            for (int k = 0; k < process.times(); k++) {
                for (int s = 0; s < substeps[k]; s++) {
                    step(p, rhs, factors[k]);
                }
                store(p, table, table.cell(level, k));
            }
        }

        /** The linear-noise Gaussian at time τ from x0: m′ = f(m), v′ = 2f′(m)·v + g², integrated in small steps. */
        private double[] start(double x0, double tau) {
            double m = x0;
            double v = 0;
            int steps = 1000;
            double h = tau / steps;
            for (int i = 0; i < steps; i++) {
                double mid = m + 0.5 * h * process.drift(m);
                double vMid = v + 0.5 * h * (2 * process.driftDerivative(m) * v + process.diffusionSquared());
                m += h * process.drift(mid);
                v += h * (2 * process.driftDerivative(mid) * vMid + process.diffusionSquared());
            }
            double[] p = new double[n];
            double mass = 0;
            for (int j = 0; j < n; j++) {
                double z = (x(j) - m) / Math.sqrt(v);
                p[j] = Math.exp(-0.5 * z * z);
                mass += p[j] * dx;
            }
            for (int j = 0; j < n; j++) {
                p[j] /= mass;
            }
            return p;
        }

        private void store(double[] p, TransitionTable table, int cell) {
            double mass = 0;
            double first = 0;
            for (int j = 0; j < n; j++) {
                mass += p[j] * dx;
                first += x(j) * p[j] * dx;
            }
            double mean = first / mass;
            double second = 0;
            for (int j = 0; j < n; j++) {
                second += (x(j) - mean) * (x(j) - mean) * p[j] * dx;
            }
            double deviation = Math.sqrt(second / mass);
            table.means[cell] = mean;
            table.deviations[cell] = deviation;
            // the distribution function at cell edges (the masses of the cells below), Hermite between edges with
            // the density there as slope; densities and scores between nodes by Catmull–Rom (fourth order)
            double[] edges = new double[n + 1];
            for (int j = 0; j < n; j++) {
                edges[j + 1] = edges[j] + p[j] * dx / mass;
            }
            int base = cell * Z_NODES;
            for (int i = 0; i < Z_NODES; i++) {
                double x = mean + deviation * (-Z_MAX + i * DZ);
                double u = Math.min(Math.max((x + HALF_WIDTH) / dx, 1), n - 2.000001);
                int j = (int) u;
                double w = u - j;
                double density = catmullRom(p[j - 1], p[j], p[j + 1], p[j + 2], w) / mass;
                double score = catmullRom(logSlope(p, j - 1), logSlope(p, j), logSlope(p, j + 1), logSlope(p, j + 2),
                        w);
                // edge e = j + 1 sits at x_j + dx/2: the position within [edge_e, edge_{e+1}] or the one below
                int e = w < 0.5 ? j : j + 1;
                double v = w < 0.5 ? w + 0.5 : w - 0.5;
                double slope0 = 0.5 * (p[e - 1] + p[e]) / mass * dx;
                double slope1 = 0.5 * (p[e] + p[Math.min(e + 1, n - 1)]) / mass * dx;
                table.distribution[base + i] = hermite(edges[e], slope0, edges[e + 1], slope1, v);
                table.densities[base + i] = (float) (Math.max(density, 0) * deviation);
                table.scores[base + i] = (float) (score * deviation);
            }
        }

        static double catmullRom(double p0, double p1, double p2, double p3, double w) {
            return p1 + 0.5 * w * (p2 - p0 + w * (2 * p0 - 5 * p1 + 4 * p2 - p3 + w * (3 * (p1 - p2) + p3 - p0)));
        }

        /** ∂_x ln p at node j by central differences. */
        private double logSlope(double[] p, int j) {
            double lo = Math.max(p[Math.max(j - 1, 0)], Double.MIN_NORMAL);
            double hi = Math.max(p[Math.min(j + 1, n - 1)], Double.MIN_NORMAL);
            return (Math.log(hi) - Math.log(lo)) / (2 * dx);
        }
    }
}
