package org.diffusion4j.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.SplittableRandom;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.backend.NativeArrays;
import org.diffusion4j.backend.ProjectedAscent;
import org.diffusion4j.backend.Scalars;
import org.diffusion4j.generate.GenerationRequest;
import org.diffusion4j.generate.Generator;

/**
 * An adversarial attack on a restorer's input (Ohayon et al.'s sensitivity test): projected gradient ascent (PGD,
 * Madry et al. 2018) on a perturbation δ of the observation within the ℓ∞ ball ‖δ‖∞ ≤ ε, maximising the change of
 * the restoration, ‖R(y + δ) − R(y)‖² per input, with gradients taken through the whole restorer (every sampler
 * step). δ starts uniform in the ball (from a seed; at δ = 0 the change's gradient vanishes) and takes {@code steps}
 * signed steps of {@code stepSize}, each projected back onto the ball. A stochastic restorer is attacked with its noise
 * fixed (the request's seeds, {@code draws} = 1) or in expectation: with {@code draws} = M, R is the mean of M
 * restorations whose seeds are fixed per draw, so the attack moves the restorer's mean output.
 *
 * @param epsilon the ball's radius, in the observation's units
 * @param steps ascent steps
 * @param stepSize each step's size (Madry et al.: 2.5·ε/steps)
 * @param draws restorations averaged per evaluation (1: the noise fixed)
 */
public record ObservationAttack(double epsilon, int steps, double stepSize, int draws) {

    /** Seeds of draw m are the request's plus m times this. */
    public static final long DRAW_SEEDS = 1_000_003L;

    public ObservationAttack {
        new ProjectedAscent(epsilon, steps, stepSize);  // refuses ε, steps or a step size that cannot work
        if (draws < 1) {
            throw new InvalidArgumentException("an attack needs draws ≥ 1, got " + draws);
        }
    }

    /** Madry et al.'s step size, 2.5·ε/steps. */
    public static ObservationAttack of(double epsilon, int steps, int draws) {
        ProjectedAscent ascent = ProjectedAscent.madry(epsilon, steps);
        return new ObservationAttack(epsilon, steps, ascent.stepSize(), draws);
    }

    /**
     * The attacked observations y + δ for the request's observations y (its seeds, sampler and budget fixed), in
     * {@code manager}; the start is drawn from {@code seed}.
     */
    public NDArray perturb(Generator restorer, GenerationRequest request, long seed, NDManager manager) {
        NDArray y = NativeArrays.copy(request.observation(), DataType.FLOAT32);  // the attack's constant
        y.attach(manager);
        NDArray reference = restore(restorer, request, y, manager).stopGradient();
        SplittableRandom random = new SplittableRandom(seed);
        double[] start = new double[Math.toIntExact(y.size())];
        for (int i = 0; i < start.length; i++) {
            start[i] = random.nextDouble(-epsilon, epsilon);
        }
        NDArray delta = new ProjectedAscent(epsilon, steps, stepSize).maximize(variable -> {
            NDArray change = restore(restorer, request, y.add(variable), variable.getManager()).sub(reference);
            return change.mul(change).sum();
        }, NativeArrays.of(manager, start, y.getShape(), DataType.FLOAT32), manager);
        return y.add(delta);
    }

    /**
     * The restorer's output for observations {@code y}: the request's restoration, or the mean of {@code draws} of
     * them with the seeds of each draw fixed.
     */
    public NDArray restore(Generator restorer, GenerationRequest request, NDArray y, NDManager manager) {
        NDArray sum = null;
        for (int m = 0; m < draws; m++) {
            long[] seeds = request.seeds().clone();
            for (int i = 0; i < seeds.length; i++) {
                seeds[i] += m * DRAW_SEEDS;
            }
            NDArray x = restorer.generate(request.toBuilder().seeds(seeds).observation(y).build(), manager).samples();
            sum = sum == null ? x : sum.add(x);
        }
        return draws == 1 ? sum : Scalars.times(sum, 1.0 / draws);
    }
}
