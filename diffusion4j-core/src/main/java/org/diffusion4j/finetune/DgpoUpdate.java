package org.diffusion4j.finetune;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.diffusion4j.DiffusionException;
import org.diffusion4j.backend.Differentiable;
import org.diffusion4j.backend.NativeArrays;
import org.diffusion4j.backend.Scalars;
import org.diffusion4j.generate.GenerationRequest;
import org.diffusion4j.grid.Grid;
import org.diffusion4j.train.Ema;
import org.diffusion4j.train.Gradients;
import org.diffusion4j.train.Objective;
import org.diffusion4j.train.TrainedModel;

/**
 * A step of Direct Group Preference Optimization (DGPO; Luo, Hu, Tang), following the authors' code
 * ({@code Luo-Yihong/DGPO}, {@code scripts/train_sd3_dgpo.py}):
 * <ol>
 *   <li>roll out the groups with the deterministic rollout sampler, from the policy, or from the old model once
 *       {@code oldRolloutsAfter} steps have passed;</li>
 *   <li>score them and turn the scores into {@link GroupAdvantages};</li>
 *   <li>draw {@code timesteps} distinct levels from the first {@code truncation} + 1 levels of the rollout grid; at
 *       each, re-noise every sample with its group's shared noise and compute the model's own per-sample training
 *       loss ({@link Objective#perSample}) under the policy, the frozen reference and the old model;</li>
 *   <li>descend the mean over levels of {@link DgpoLoss#surrogate} plus {@link DgpoLoss#klTerm}: one AdamW step;</li>
 *   <li>move the old model (a fast EMA of the policy, decay min(0.3, 0.001·step)) towards the policy.</li>
 * </ol>
 */
@Differentiable
final class DgpoUpdate implements Update {
    private final DgpoPlan plan;
    private final Models models;
    private final Grid grid;
    private final Shape sample;

    DgpoUpdate(DgpoPlan plan, Models models) {
        this.plan = plan;
        this.models = models;
        this.grid = models.grid(plan.rolloutSteps());
        this.sample = models.sampleShape();
    }

    @Override
    public Outcome step(long step, Groups groups, SplittableRandom random, NDManager m) {
        int g = plan.groupSize();
        int n = plan.samplesPerStep();
        boolean fromOld = models.old() != null && plan.oldRolloutsAfter() >= 0 && step >= plan.oldRolloutsAfter();
        NDArray x0 = new TrainedModel(models.config(), fromOld ? models.old() : models.policy()).generator()
                .generate(GenerationRequest.builder(groups.seeds()).classes(groups.classes()).guidance(
                        plan.guidance()).sampler(plan.rolloutSampler()).steps(plan.rolloutSteps()).build(), m)
                .samples().toType(DataType.FLOAT32, false);
        double[] rewards = models.rewards(x0, groups.classes());
        double[] advantages = models.advantages(rewards);
        NDArray labels = groups.classes() == null ? null : m.create(groups.classes());
        int[] levels = distinctLevels(random);
        Map<String, NDArray> weights = models.policy().weights().all();
        Objective objective = models.objective();
        double objectiveSum = 0;
        double distance = 0;
        int clipped = 0;
        for (int level : levels) {
            double[] t = new double[n];
            Arrays.fill(t, models.config().preconditioning().schedule().timeOfEdmSigma(grid.sigma(level)));
            NDArray noise = noise(random, m);
            Objective.PerSample ref = objective.perSample(models.reference(), x0, labels, t, noise, false);
            double[] refLoss = values(ref.loss());
            double[] oldLoss = models.old() == null ? null : values(objective.perSample(models.old(), x0, labels, t,
                    noise, false).loss());
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                Objective.PerSample p = objective.perSample(models.policy(), x0, labels, t, noise, false);
                double[] policyLoss = values(p.loss());
                double[] w = DgpoLoss.weights(policyLoss, refLoss, oldLoss, advantages, g, plan.beta(),
                        plan.clipRange());
                NDArray loss = DgpoLoss.surrogate(p.loss(), w).add(DgpoLoss.klTerm(p.output(), ref.output(),
                        plan.betaKl()));
                double value = DgpoLoss.objective(DgpoLoss.groupScores(policyLoss, refLoss, advantages, g,
                        plan.beta()));
                if (!Double.isFinite(value) || !Double.isFinite(loss.getFloat())) {
                    throw new DiffusionException("DGPO stopped: the loss is not finite at step " + (step + 1)
                            + "; the last good checkpoint is kept");
                }
                objectiveSum += value;
                NDArray d = p.output().stopGradient().sub(ref.output());
                distance += d.mul(d).mean().getFloat();
                for (int i = 0; i < n; i++) {
                    clipped += w[i] == 0 && advantages[i] != 0 ? 1 : 0;
                }
                collector.backward(Scalars.times(loss, 1.0 / levels.length));
            }
        }
        double norm = Gradients.clipGlobalNorm(weights, plan.gradientClip());
        models.adam().update(weights, plan.learningRate());
        Gradients.zero(weights);
        if (models.old() != null) {
            new Ema(1, 0).update(models.old().weights().all(), weights, Math.min(0.3, 0.001 * step));
        }
        return new Outcome(rewards, Map.of("objective", objectiveSum / levels.length, "output_distance",
                distance / levels.length, "clipped_fraction", (double) clipped / ((long) n * levels.length),
                "gradient_norm", norm));
    }

    /** {@code timesteps} distinct grid indices from 0 … truncation, in the order drawn. */
    private int[] distinctLevels(SplittableRandom random) {
        int[] pool = IntStream.rangeClosed(0, plan.truncation()).toArray();
        for (int i = 0; i < plan.timesteps(); i++) {
            int j = i + random.nextInt(pool.length - i);
            int swap = pool[i];
            pool[i] = pool[j];
            pool[j] = swap;
        }
        return Arrays.copyOf(pool, plan.timesteps());
    }

    /** Noise for the step's samples: one draw per group repeated over its members (shared noise), or one each. */
    private NDArray noise(SplittableRandom random, NDManager m) {
        if (!plan.sharedNoise()) {
            return NativeArrays.standardNormal(random, new Shape(plan.samplesPerStep()).addAll(sample), m);
        }
        NDArray perGroup = NativeArrays.standardNormal(random, new Shape(plan.groupsPerStep(), 1).addAll(sample), m);
        long[] repeat = new long[sample.dimension() + 2];
        Arrays.fill(repeat, 1);
        repeat[1] = plan.groupSize();
        return perGroup.tile(repeat).reshape(new Shape(plan.samplesPerStep()).addAll(sample));
    }

    private static double[] values(NDArray perSample) {
        return perSample.toType(DataType.FLOAT64, false).toDoubleArray();
    }
}
