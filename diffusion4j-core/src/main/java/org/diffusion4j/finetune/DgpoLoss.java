package org.diffusion4j.finetune;

import ai.djl.ndarray.NDArray;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.backend.Differentiable;
import org.diffusion4j.backend.NativeArrays;
import org.diffusion4j.backend.Scalars;

/**
 * The loss of Direct Group Preference Optimization (DGPO; Luo, Hu, Tang), checked against the authors' code
 * ({@code Luo-Yihong/DGPO}, {@code compute_group_dgpo_loss_allreduce}). The implicit reward of a sample is Diffusion-DPO's,
 * r_θ(x) ∝ −β·(ℓ_θ(x) − ℓ_ref(x)), where ℓ is the model's own training loss at a noise level and noise shared by its
 * group; the group-level Bradley–Terry objective of a group g with advantages A_i is
 * <pre>  L_g = −log σ(−s_g),   s_g = (β/G)·Σ_{i∈g} A_i·(ℓ_θ,i − ℓ_ref,i)</pre>
 * (positive-advantage samples should have a lower loss than under the reference, negative ones a higher). Its
 * gradient is σ(s_g)·(β/G)·Σ A_i·∇ℓ_θ,i, so training descends the surrogate
 * <pre>  mean_i sg[σ(s_{g(i)})]·A_i·ℓ_θ,i</pre>
 * whose gradient is the mean group gradient divided by β (a positive constant). With the PPO-style clip of the
 * authors' code, a sample whose loss ratio ρ = exp(ℓ_old − ℓ_θ) to the "old" model has already moved more than the
 * clip range in its advantage's direction (A &gt; 0 and ρ &gt; 1 + c, or A &lt; 0 and ρ &lt; 1 − c) contributes no
 * preference gradient (the KL regulariser still applies to it).
 */
@Differentiable
public final class DgpoLoss {
    private DgpoLoss() {}

    /** The group scores s_g of the policy's and the reference's per-sample losses, groups of {@code groupSize}. */
    public static double[] groupScores(double[] policy, double[] reference, double[] advantages, int groupSize,
            double beta) {
        check(policy.length, reference.length, advantages.length, groupSize);
        double[] s = new double[policy.length / groupSize];
        for (int i = 0; i < policy.length; i++) {
            s[i / groupSize] += advantages[i] * beta * (policy[i] - reference[i]) / groupSize;
        }
        return s;
    }

    /** The mean over groups of the exact objective −log σ(−s_g) = log(1 + e^{s_g}). */
    public static double objective(double[] scores) {
        double sum = 0;
        for (double s : scores) {
            sum += s > 0 ? s + Math.log1p(Math.exp(-s)) : Math.log1p(Math.exp(s));
        }
        return sum / scores.length;
    }

    /**
     * Each sample's weight in the surrogate, σ(s_{g(i)})·A_i, or 0 where the clip against {@code old} (per-sample
     * losses of the old model, or null for no clip) masks it.
     */
    public static double[] weights(double[] policy, double[] reference, double[] old, double[] advantages,
            int groupSize, double beta, double clipRange) {
        double[] s = groupScores(policy, reference, advantages, groupSize, beta);
        double[] w = new double[policy.length];
        for (int i = 0; i < w.length; i++) {
            w[i] = advantages[i] / (1 + Math.exp(-s[i / groupSize]));
            if (old != null) {
                double ratio = Math.exp(old[i] - policy[i]);
                if ((advantages[i] > 0 && ratio > 1 + clipRange) || (advantages[i] < 0 && ratio < 1 - clipRange)) {
                    w[i] = 0;
                }
            }
        }
        return w;
    }

    /** The surrogate mean_i w_i·ℓ_θ,i of per-sample policy losses (with gradients) and their weights. */
    public static NDArray surrogate(NDArray policyLoss, double[] weights) {
        if (policyLoss.getShape().dimension() != 1 || policyLoss.getShape().get(0) != weights.length) {
            throw new InvalidArgumentException("per-sample losses of shape " + policyLoss.getShape() + " for "
                    + weights.length + " weights");
        }
        return policyLoss.mul(NativeArrays.perSample(weights, policyLoss)).mean();
    }

    /** The KL regulariser β_kl·mean‖F_θ − F_ref‖² of the policy's and the reference's outputs. */
    public static NDArray klTerm(NDArray policyOutput, NDArray referenceOutput, double betaKl) {
        NDArray d = policyOutput.sub(referenceOutput.stopGradient());
        return Scalars.times(d.mul(d).mean(), betaKl);
    }

    private static void check(int policy, int reference, int advantages, int groupSize) {
        if (policy != reference || policy != advantages) {
            throw new InvalidArgumentException(policy + " policy losses, " + reference + " reference losses and "
                    + advantages + " advantages must be as many");
        }
        if (groupSize < 2 || policy % groupSize != 0) {
            throw new InvalidArgumentException(policy + " samples do not form groups of " + groupSize
                    + " (at least 2)");
        }
    }
}
