package org.diffusion4j.distill;

import ai.djl.ndarray.NDArray;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.backend.Differentiable;
import org.diffusion4j.backend.NativeArrays;
import org.diffusion4j.denoise.Preconditioning;
import org.diffusion4j.denoise.ProcessCoefficients;
import org.diffusion4j.grid.Grid;
import org.diffusion4j.grid.GridSpec;
import org.diffusion4j.nn.Network;
import org.diffusion4j.process.NoiseSchedule;
import org.diffusion4j.train.TrainingObjective;

/**
 * One round of progressive distillation as a {@link TrainingObjective} of the one training loop (Salimans &amp; Ho
 * 2022, Algorithm 2, and {@code dpm.training_losses} of the authors' code): for a sample at level σ_i of the
 * student's N-step grid (the trainer draws its time; it is snapped to the nearest level), noise the data
 * {@code x = x_0 + σ_i·ε} (EDM view), take the teacher's two DDIM steps σ_i → σ'_i → σ_{i+1} on the 2N-step grid, and
 * regress the student's data estimate at σ_i onto the {@link ProgressiveTarget} x̃, with
 * <ul>
 *   <li>{@code snr-trunc}: {@code max(SNR, 1)·‖x̂ − x̃‖²}, SNR = 1/σ_i² (the paper's "truncated SNR"), or</li>
 *   <li>{@code native}: {@code ‖F − F*(x̃)‖²}, the squared error of the network output onto the target its
 *       {@link Preconditioning} gives for x̃ (EDM's λ(σ) for {@code edm}, SNR for ε, SNR + 1 for v on VP, 1 for
 *       data).</li>
 * </ul>
 * The student runs without dropout (the paper's distillation sets it to 0). The teacher's steps record no gradients.
 */
@Differentiable
public final class ProgressiveObjective implements TrainingObjective {
    private final Teacher teacher;
    private final Preconditioning preconditioning;
    private final String weighting;
    private final double[] student;
    private final double[] teacherLevels;

    /**
     * @param teacher the teacher
     * @param preconditioning the student's
     * @param steps N, the student's steps (the teacher takes 2N)
     * @param grid the nested grid both sample on
     * @param weighting {@code snr-trunc} or {@code native}
     */
    public ProgressiveObjective(Teacher teacher, Preconditioning preconditioning, int steps, GridSpec grid,
            String weighting) {
        if (!preconditioning.degradationOperator().isIdentity()) {
            throw new InvalidArgumentException("progressive distillation needs a Gaussian process; this model's "
                    + "process carries the degradation " + preconditioning.degradation());
        }
        if (!weighting.equals("snr-trunc") && !weighting.equals("native")) {
            throw new InvalidArgumentException("unknown weighting '" + weighting + "'; expected snr-trunc or native");
        }
        NoiseSchedule schedule = preconditioning.schedule();
        Grid studentGrid = grid.build(steps, schedule, true);
        Grid teacherGrid = grid.build(2 * steps, schedule, true);
        for (int i = 0; i <= steps; i++) {
            if (Math.abs(studentGrid.sigma(i) - teacherGrid.sigma(2 * i)) > 1e-12 * teacherGrid.sigma(0)) {
                throw new InvalidArgumentException("grid " + grid + " is not nested: level " + i + " of " + steps
                        + " steps is " + studentGrid.sigma(i) + " but level " + 2 * i + " of " + 2 * steps
                        + " steps is " + teacherGrid.sigma(2 * i));
            }
        }
        this.teacher = teacher;
        this.preconditioning = preconditioning;
        this.weighting = weighting;
        this.student = studentGrid.sigmas();
        this.teacherLevels = teacherGrid.sigmas();
    }

    /** The student's levels σ_0 … σ_{N−1}, 0. */
    public double[] studentLevels() {
        return student.clone();
    }

    /** The index of the student level nearest (in log σ) to {@code sigma}. */
    int level(double sigma) {
        int best = 0;
        for (int i = 1; i < student.length - 1; i++) {
            if (Math.abs(Math.log(student[i] / sigma)) < Math.abs(Math.log(student[best] / sigma))) {
                best = i;
            }
        }
        return best;
    }

    @Override
    public NDArray loss(Network network, NDArray x0, NDArray labels, double[] t, NDArray noise, boolean training) {
        NoiseSchedule schedule = preconditioning.schedule();
        int n = t.length;
        double[] sigma = new double[n];
        double[] mid = new double[n];
        double[] next = new double[n];
        double[] times = new double[n];
        for (int i = 0; i < n; i++) {
            int k = level(schedule.edmSigma(t[i]));
            sigma[i] = student[k];
            mid[i] = teacherLevels[2 * k + 1];
            next[i] = student[k + 1];
            times[i] = schedule.timeOfEdmSigma(sigma[i]);
        }
        NDArray x = x0.add(noise.mul(NativeArrays.perSample(sigma, x0)));
        NDArray target = ProgressiveTarget.target(teacher, x, sigma, mid, next, labels);
        ProcessCoefficients c = ProcessCoefficients.perSample(schedule, times, x0);
        NDArray xt = x.mul(c.alpha());
        NDArray output = network.forward(preconditioning.input(xt, c), preconditioning.noiseLabel(times, x0), labels,
                false);
        if (weighting.equals("native")) {
            NDArray error = output.sub(preconditioning.target(target, xt, c));
            return error.mul(error).mean();
        }
        NDArray error = preconditioning.toData(output, xt, c).sub(target);
        return error.mul(error).mul(ProgressiveTarget.truncatedSnr(sigma, error)).mean();
    }
}
