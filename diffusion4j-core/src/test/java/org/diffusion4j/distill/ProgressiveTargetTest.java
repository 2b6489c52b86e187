package org.diffusion4j.distill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.denoise.Denoiser;
import org.diffusion4j.grid.Grid;
import org.diffusion4j.grid.GridSpec;
import org.diffusion4j.process.NoiseSchedule;
import org.diffusion4j.process.Schedules;
import org.junit.jupiter.api.Test;

/**
 * The distillation target's defining identity (Salimans &amp; Ho 2022, Algorithm 2): one DDIM step of a denoiser that
 * outputs x̃ lands exactly where the teacher's two DDIM steps land, in float64 to 1e-10, for a non-linear teacher,
 * in the EDM view and on a VP process in the paper's own (z, α, σ) coordinates.
 */
class ProgressiveTargetTest {
    private static final int DIM = 3;
    private static final double[][] W = {{0.8, -0.3, 0.5}, {0.1, 1.2, -0.7}, {-0.4, 0.6, 0.9}};

    /** A non-linear EDM-view denoiser, computed in Java doubles: tanh(W·x)/(1 + σ) + 0.3·x·σ/(1 + σ²). */
    private static double[] denoise(double[] x, double sigma) {
        double[] out = new double[DIM];
        for (int j = 0; j < DIM; j++) {
            double s = 0;
            for (int k = 0; k < DIM; k++) {
                s += W[j][k] * x[k];
            }
            out[j] = Math.tanh(s) / (1 + sigma) + 0.3 * x[j] * sigma / (1 + sigma * sigma);
        }
        return out;
    }

    private static final Denoiser TEACHER = (x, sigma) -> {
        double[] values = x.toDoubleArray();
        double[] out = new double[values.length];
        for (int i = 0; i < values.length / DIM; i++) {
            double[] row = java.util.Arrays.copyOfRange(values, i * DIM, (i + 1) * DIM);
            System.arraycopy(denoise(row, sigma), 0, out, i * DIM, DIM);
        }
        return x.getManager().create(out, x.getShape());
    };

    /** Levels of sample i: student level k_i of an N-step nested grid, the teacher's midpoint, the next level. */
    private record Levels(double[] sigma, double[] mid, double[] next) {}

    private static Levels levels(int batch, int steps, NoiseSchedule schedule) {
        GridSpec spec = new GridSpec.NestedKarras(0.002, 80, 7);
        Grid student = spec.build(steps, schedule, true);
        Grid teacher = spec.build(2 * steps, schedule, true);
        Levels l = new Levels(new double[batch], new double[batch], new double[batch]);
        for (int i = 0; i < batch; i++) {
            int k = i % steps; // every level, the last (to σ = 0) included
            l.sigma()[i] = student.sigma(k);
            l.mid()[i] = teacher.sigma(2 * k + 1);
            l.next()[i] = student.sigma(k + 1);
            assertEquals(student.sigma(k), teacher.sigma(2 * k), 1e-12 * student.sigma(k), "nested");
        }
        return l;
    }

    @Test
    void oneStudentStepLandsOnTwoTeacherStepsInTheEdmView() {
        int batch = 8;
        Levels l = levels(batch, 4, Schedules.byName("edm"));
        try (NDManager m = Backend.newManager()) {
            SplittableRandom random = new SplittableRandom(1);
            double[] values = new double[batch * DIM];
            for (int i = 0; i < values.length; i++) {
                values[i] = random.nextGaussian() * l.sigma()[i / DIM];
            }
            NDArray x = m.create(values, new Shape(batch, DIM));
            Teacher teacher = Teacher.of(TEACHER);
            NDArray landing = ProgressiveTarget.teacherSteps(teacher, x, l.sigma(), l.mid(), l.next(), null);
            NDArray target = ProgressiveTarget.target(x, landing, l.sigma(), l.next());
            NDArray student = ProgressiveTarget.ddim(x, target, l.sigma(), l.next());
            double error = student.sub(landing).abs().max().getDouble();
            assertTrue(error < 1e-10, "one student step vs two teacher steps: " + error);

            // the teacher's two steps, written out per sample in Java doubles
            for (int i = 0; i < batch; i++) {
                double[] xi = java.util.Arrays.copyOfRange(values, i * DIM, (i + 1) * DIM);
                double[] d1 = denoise(xi, l.sigma()[i]);
                double[] x1 = new double[DIM];
                for (int j = 0; j < DIM; j++) {
                    x1[j] = d1[j] + l.mid()[i] / l.sigma()[i] * (xi[j] - d1[j]);
                }
                double[] d2 = denoise(x1, l.mid()[i]);
                for (int j = 0; j < DIM; j++) {
                    double x2 = d2[j] + l.next()[i] / l.mid()[i] * (x1[j] - d2[j]);
                    assertEquals(x2, landing.getDouble(i, j), 1e-12, "teacher steps of sample " + i);
                    double r = l.next()[i] / l.sigma()[i];
                    assertEquals((x2 - r * xi[j]) / (1 - r), target.getDouble(i, j), 1e-10, "x̃ of sample " + i);
                }
            }
        }
    }

    @Test
    void thePaperVpFormulaIsTheEdmViewTarget() {
        NoiseSchedule vp = Schedules.byName("vp-cosine");
        int batch = 8;
        Levels l = levels(batch, 4, vp);
        try (NDManager m = Backend.newManager()) {
            SplittableRandom random = new SplittableRandom(2);
            double[] z = new double[batch * DIM];
            double[] xEdm = new double[batch * DIM];
            double maxPaper = 0;
            double maxEdm = 0;
            double maxLanding = 0;
            double[][] paperTarget = new double[batch][];
            double[][] paperLanding = new double[batch][];
            for (int i = 0; i < batch; i++) {
                // the paper's coordinates: times t > t' > t'' with σ_t/α_t the EDM levels
                double t = vp.timeOfEdmSigma(l.sigma()[i]);
                double tMid = vp.timeOfEdmSigma(l.mid()[i]);
                double a = vp.alpha(t);
                double s = vp.sigma(t);
                double aMid = vp.alpha(tMid);
                double sMid = vp.sigma(tMid);
                boolean last = l.next()[i] == 0;
                double tNext = last ? 0 : vp.timeOfEdmSigma(l.next()[i]);
                double aNext = last ? 1 : vp.alpha(tNext);
                double sNext = last ? 0 : vp.sigma(tNext);
                double[] zt = new double[DIM];
                for (int j = 0; j < DIM; j++) {
                    zt[j] = a * random.nextGaussian() + s * random.nextGaussian();
                    z[i * DIM + j] = zt[j];
                    xEdm[i * DIM + j] = zt[j] / a;
                }
                // x̂(z, t) = D(z/α; σ/α); z_s = α_s x̂ + σ_s ε̂, ε̂ = (z_t − α_t x̂)/σ_t  (dpm.py's DDIM step)
                double[] x1 = denoise(scale(zt, 1 / a), s / a);
                double[] zMid = new double[DIM];
                for (int j = 0; j < DIM; j++) {
                    zMid[j] = aMid * x1[j] + sMid * (zt[j] - a * x1[j]) / s;
                }
                double[] x2 = denoise(scale(zMid, 1 / aMid), sMid / aMid);
                double[] zNext = new double[DIM];
                double[] tilde = new double[DIM];
                for (int j = 0; j < DIM; j++) {
                    zNext[j] = aNext * x2[j] + sNext * (zMid[j] - aMid * x2[j]) / sMid;
                    double ratio = sNext / s;
                    tilde[j] = last ? x2[j] : (zNext[j] - ratio * zt[j]) / (aNext - ratio * a);
                    // the paper's exactness: one student step with x̃ lands on z_t''
                    double student = aNext * tilde[j] + sNext * (zt[j] - a * tilde[j]) / s;
                    maxPaper = Math.max(maxPaper, Math.abs(student - zNext[j]));
                }
                paperTarget[i] = tilde;
                paperLanding[i] = zNext;
            }
            assertTrue(maxPaper < 1e-10, "paper's identity on VP: " + maxPaper);

            NDArray x = m.create(xEdm, new Shape(batch, DIM));
            NDArray landing = ProgressiveTarget.teacherSteps(Teacher.of(TEACHER), x, l.sigma(), l.mid(), l.next(),
                    null);
            NDArray target = ProgressiveTarget.target(x, landing, l.sigma(), l.next());
            NDArray student = ProgressiveTarget.ddim(x, target, l.sigma(), l.next());
            for (int i = 0; i < batch; i++) {
                double aNext = l.next()[i] == 0 ? 1 : vp.alpha(vp.timeOfEdmSigma(l.next()[i]));
                for (int j = 0; j < DIM; j++) {
                    maxEdm = Math.max(maxEdm, Math.abs(target.getDouble(i, j) - paperTarget[i][j]));
                    maxLanding = Math.max(maxLanding, Math.abs(aNext * student.getDouble(i, j)
                            - paperLanding[i][j]));
                }
            }
            assertTrue(maxEdm < 1e-10, "EDM-view x̃ vs the paper's VP x̃: " + maxEdm);
            assertTrue(maxLanding < 1e-10, "EDM-view student step ·α'' vs the paper's z_t'': " + maxLanding);
        }
    }

    private static double[] scale(double[] v, double c) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i] * c;
        }
        return out;
    }
}
