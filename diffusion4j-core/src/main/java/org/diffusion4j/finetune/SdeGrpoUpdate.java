package org.diffusion4j.finetune;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.diffusion4j.DiffusionException;
import org.diffusion4j.backend.Differentiable;
import org.diffusion4j.backend.NativeArrays;
import org.diffusion4j.backend.Scalars;
import org.diffusion4j.distill.Teacher;
import org.diffusion4j.grid.Grid;
import org.diffusion4j.sample.AncestralStep;
import org.diffusion4j.train.Gradients;

/**
 * A step of the SDE policy-gradient baseline (Flow-GRPO, {@code yifan123/flow_grpo}; DDPO, {@code kvablack/ddpo-pytorch}):
 * the policy is the model's stochastic sampler, so each transition has a likelihood to differentiate.
 * <ol>
 *   <li>Roll out the groups with the ancestral sampler on the model's grid of {@code rolloutSteps} levels, in the
 *       EDM view: from x at level σ to σ' &gt; 0, with D = D_θ(x; σ),
 *       <pre>  σ↑ = min(σ', η·σ'·√(σ² − σ'²)/σ),  σ↓ = √(σ'² − σ↑²),  μ = D + (σ↓/σ)·(x − D),  x' = μ + σ↑·z</pre>
 *       (k-diffusion's {@code get_ancestral_step}; η = 1 is DDPM's posterior noise), recording each transition's
 *       log-likelihood log N(x'; μ, σ↑²) as the authors do, averaged over the sample's values with its constants.
 *       The last step, to σ' = 0, is x' = D (deterministic, not trained).</li>
 *   <li>Score the samples and turn the scores into {@link GroupAdvantages}.</li>
 *   <li>In {@code minibatches} updates over whole groups, for every stochastic transition, with
 *       ρ = exp(log p_θ − log p_old): the clipped objective mean max(−A·ρ, −A·clip(ρ, 1 − ε, 1 + ε)) plus
 *       β_kl·mean‖μ_θ − μ_ref‖²/(2σ↑²) (the KL as Flow-GRPO's paper writes it), averaged over the transitions;
 *       one AdamW step per minibatch.</li>
 * </ol>
 */
@Differentiable
final class SdeGrpoUpdate implements Update {
    private static final double LOG_SQRT_TWO_PI = 0.5 * Math.log(2 * Math.PI);

    private final SdeGrpoPlan plan;
    private final Models models;
    private final Grid grid;
    private final Shape sample;
    private final Teacher policy;
    private final Teacher reference;

    SdeGrpoUpdate(SdeGrpoPlan plan, Models models) {
        this.plan = plan;
        this.models = models;
        this.grid = models.grid(plan.rolloutSteps());
        this.sample = models.sampleShape();
        this.policy = Teacher.network(models.policy(), models.config().preconditioning());
        this.reference = Teacher.network(models.reference(), models.config().preconditioning());
    }

    /** log N(x'; μ, s²), averaged over each sample's values (constants included), one per sample. */
    static NDArray logLikelihood(NDArray next, NDArray mean, double s) {
        NDArray d = next.sub(mean);
        long n = d.getShape().get(0);
        return Scalars.plus(Scalars.times(d.mul(d).reshape(n, -1).mean(new int[] {1}), -1 / (2 * s * s)),
                -Math.log(s) - LOG_SQRT_TWO_PI);
    }

    @Override
    public Outcome step(long step, Groups groups, SplittableRandom random, NDManager m) {
        int n = plan.samplesPerStep();
        NDArray labels = groups.classes() == null ? null : m.create(groups.classes());
        List<NDArray> states = new ArrayList<>();
        List<double[]> rolloutLikelihoods = new ArrayList<>();
        NDArray x = start(groups.seeds(), m);
        int trained = 0;
        for (int k = 0; k < grid.steps(); k++) {
            double sigma = grid.sigma(k);
            double next = grid.sigma(k + 1);
            NDArray moved;
            try (NDManager s = m.newSubManager()) {
                // the step's temporaries live in s; only the new state joins the kept ones in m
                NDArray xs = x.duplicate();
                xs.attach(s);
                NDArray denoised = policy.denoise(xs, level(sigma, n), labels);
                if (next == 0) {
                    moved = denoised;
                } else {
                    AncestralStep a = AncestralStep.of(sigma, next, plan.eta());
                    NDArray mean = denoised.add(xs.sub(denoised).mul(Scalars.of(xs, a.down() / sigma)));
                    NDArray noise = NativeArrays.standardNormal(random, xs.getShape(), s);
                    moved = mean.add(noise.mul(Scalars.of(noise, a.up())));
                    rolloutLikelihoods.add(logLikelihood(moved, mean, a.up()).toType(DataType.FLOAT64, false)
                            .toDoubleArray());
                }
                moved.attach(m);
            }
            states.add(x);
            x = moved;
            if (next == 0) {
                break;
            }
            trained++;
        }
        // states: the chain before each step; transition k (k < trained) goes from states[k] to states[k + 1]
        double[] rewards = models.rewards(x, groups.classes());
        double[] advantages = models.advantages(rewards);
        double policyLoss = 0;
        double kl = 0;
        double clipped = 0;
        double norm = 0;
        int per = n / plan.minibatches();
        for (int b = 0; b < plan.minibatches(); b++) {
            long[] rows = new long[per];
            for (int i = 0; i < per; i++) {
                rows[i] = (long) b * per + i;
            }
            Map<String, NDArray> weights = models.policy().weights().all();
            for (int k = 0; k < trained; k++) {
                try (NDManager s = m.newSubManager()) {
                    NDIndex index = new NDIndex("{}", s.create(rows));
                    NDArray from = states.get(k).get(index);
                    NDArray to = states.get(k + 1).get(index);
                    NDArray rowLabels = labels == null ? null : labels.get(index);
                    from.attach(s);
                    to.attach(s);
                    double sigma = grid.sigma(k);
                    AncestralStep a = AncestralStep.of(sigma, grid.sigma(k + 1), plan.eta());
                    NDArray old = NativeArrays.of(s, slice(rolloutLikelihoods.get(k), b, per), new Shape(per),
                            DataType.FLOAT32);
                    NDArray advantage = NativeArrays.of(s, slice(advantages, b, per), new Shape(per),
                            DataType.FLOAT32);
                    NDArray refDenoised = reference.denoise(from, level(sigma, per), rowLabels);
                    NDArray refMean = refDenoised.add(from.sub(refDenoised).mul(Scalars.of(from, a.down() / sigma)));
                    try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                        NDArray denoised = policy.denoise(from, level(sigma, per), rowLabels);
                        NDArray mean = denoised.add(from.sub(denoised).mul(Scalars.of(from, a.down() / sigma)));
                        NDArray ratio = logLikelihood(to, mean, a.up()).sub(old).exp();
                        NDArray bounded = ratio.maximum(Scalars.of(ratio, 1 - plan.clipRange())).minimum(
                                Scalars.of(ratio, 1 + plan.clipRange()));
                        NDArray objective = advantage.mul(ratio).neg().maximum(advantage.mul(bounded).neg()).mean();
                        NDArray d = mean.sub(refMean);
                        NDArray divergence = Scalars.times(d.mul(d).reshape(per, -1).mean(new int[] {1}).mean(),
                                1 / (2 * a.up() * a.up()));
                        NDArray loss = objective.add(Scalars.times(divergence, plan.betaKl()));
                        double value = loss.getFloat();
                        if (!Double.isFinite(value)) {
                            throw new DiffusionException("SDE-GRPO stopped: the loss is not finite at step "
                                    + (step + 1) + "; the last good checkpoint is kept");
                        }
                        policyLoss += objective.getFloat();
                        kl += divergence.getFloat();
                        float[] r = ratio.toFloatArray();
                        for (float v : r) {
                            clipped += Math.abs(v - 1) > plan.clipRange() ? 1 : 0;
                        }
                        collector.backward(Scalars.times(loss, 1.0 / trained));
                    }
                }
            }
            norm += Gradients.clipGlobalNorm(weights, plan.gradientClip());
            models.adam().update(weights, plan.learningRate());
            Gradients.zero(weights);
        }
        double terms = (double) trained * plan.minibatches();
        return new Outcome(rewards, Map.of("objective", policyLoss / terms, "kl", kl / terms, "clipped_fraction",
                clipped / (terms * per), "gradient_norm", norm / plan.minibatches()));
    }

    /** σ_0·ε with ε standard normal from each sample's seed: its start depends on its seed alone. */
    private NDArray start(long[] seeds, NDManager m) {
        float[] values = new float[Math.toIntExact(seeds.length * sample.size())];
        int per = (int) sample.size();
        for (int i = 0; i < seeds.length; i++) {
            SplittableRandom r = new SplittableRandom(seeds[i]);
            for (int j = 0; j < per; j++) {
                values[i * per + j] = (float) (r.nextGaussian() * grid.sigma(0));
            }
        }
        return m.create(values, new Shape(seeds.length).addAll(sample));
    }

    private static double[] level(double sigma, int n) {
        double[] out = new double[n];
        Arrays.fill(out, sigma);
        return out;
    }

    private static double[] slice(double[] values, int batch, int per) {
        return Arrays.copyOfRange(values, batch * per, (batch + 1) * per);
    }
}
