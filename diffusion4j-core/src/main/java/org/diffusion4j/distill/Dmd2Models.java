package org.diffusion4j.distill;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.diffusion4j.backend.Differentiable;
import org.diffusion4j.backend.NativeArrays;
import org.diffusion4j.backend.Scalars;
import org.diffusion4j.denoise.Preconditioning;
import org.diffusion4j.nn.DiscriminatorHead;
import org.diffusion4j.nn.Network;

/**
 * The networks of a DMD2 run and the losses of its two turns ({@link Dmd2Distillation} runs the optimizers): the
 * generator G, the fake score (a network under the teacher's preconditioning) with its discriminator head (null
 * without the GAN loss), and the real score (the frozen teacher). Each loss sets which weights record gradients, so
 * a backward pass reaches exactly the weights of its turn.
 */
@Differentiable
final class Dmd2Models {
    private final Dmd2Plan plan;
    private final Teacher real;
    private final Network generator;
    private final Network fake;
    private final DiscriminatorHead head;
    private final Preconditioning preconditioning;
    private final double[] table;
    private final double[] levels;
    private final int classes;

    /**
     * The losses of one turn: the total back-propagated and its two parts (NaN for the GAN part without GAN), and
     * the generated samples it used, detached.
     */
    record Losses(NDArray total, double first, double gan, NDArray samples) {}

    /**
     * @param table the noise table (ascending, {@link Dmd2Plan#TABLE} levels)
     * @param levels the generator's levels, σ_max first
     */
    Dmd2Models(Dmd2Plan plan, Teacher real, Network generator, Network fake, DiscriminatorHead head,
            Preconditioning preconditioning, double[] table, double[] levels) {
        if (plan.gan() != (head != null)) {
            throw new IllegalArgumentException("a discriminator head goes with the GAN loss, and only with it");
        }
        this.plan = plan;
        this.real = real;
        this.generator = generator;
        this.fake = fake;
        this.head = head;
        this.preconditioning = preconditioning;
        this.table = table.clone();
        this.levels = levels.clone();
        this.classes = generator.classes();
    }

    Network generator() {
        return generator;
    }

    /** The critic's weights (fake score, then head), named {@code prefix + name}. */
    Map<String, NDArray> critic(String prefix) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        fake.weights().all().forEach((name, w) -> out.put(prefix + name, w));
        if (head != null) {
            head.weights().all().forEach((name, w) -> out.put(prefix + name, w));
        }
        return out;
    }

    /** The generator's levels, σ_max first. */
    double[] levels() {
        return levels.clone();
    }

    /** G's samples from {@code input} at its level j (with gradients when its weights record them). */
    NDArray generate(NDArray input, int j, NDArray labels) {
        return new LevelNetwork(generator, preconditioning).denoise(input, filled((int) input.getShape().get(0),
                levels[j]), labels);
    }

    /**
     * G's input at its level j: pure noise σ_0·z at j = 0; otherwise, with backward simulation, G's own chain from
     * fresh noise through levels 0 … j − 1, each estimate re-noised to the next level ({@link #chain}); without it,
     * real data noised to σ_j.
     */
    NDArray input(int j, Shape shape, NDArray realX, NDArray labels, SplittableRandom random, NDManager m) {
        if (j > 0 && !plan.backwardSimulation()) {
            return realX.add(Scalars.times(NativeArrays.standardNormal(random, shape, m), levels[j]));
        }
        return chain(new LevelNetwork(generator, preconditioning)::denoise, levels, j, labels, shape, random, m);
    }

    /**
     * The input of level j of a multi-step generator {@code g} run from fresh noise: x = σ_0·z, then for
     * k &lt; j: x = g(x; σ_k) + σ_{k+1}·n_k, with no gradients (DMD2's backward simulation).
     */
    static NDArray chain(Teacher g, double[] levels, int j, NDArray labels, Shape shape, SplittableRandom random,
            NDManager m) {
        NDArray x = Scalars.times(NativeArrays.standardNormal(random, shape, m), levels[0]);
        for (int k = 0; k < j; k++) {
            NDArray estimate = g.denoise(x, filled((int) shape.get(0), levels[k]), labels).stopGradient();
            x = estimate.add(Scalars.times(NativeArrays.standardNormal(random, shape, m), levels[k + 1]));
        }
        return x;
    }

    /**
     * The generator's turn: its samples x = G(input; σ_j) and their loss, the distribution-matching loss at a level
     * from table indices [20, 980] plus {@code ganWeight} times the non-saturating GAN loss of the head at a noised
     * copy of x. Only G's weights record gradients.
     */
    Losses generatorLoss(NDArray input, int j, NDArray labels, SplittableRandom random) {
        trainable(critic(""), false);
        trainable(generator.weights().all(), true);
        NDArray x = generate(input, j, labels);
        int n = (int) x.getShape().get(0);
        double[] sigma = draw(random, n, Dmd2Plan.DM_MIN, Dmd2Plan.DM_MAX);
        NDArray noisy = x.stopGradient().add(NativeArrays.standardNormal(random, x.getShape(), x.getManager())
                .mul(NativeArrays.perSample(sigma, x)));
        NDArray gradient = DistributionMatching.gradient(x, realScore(noisy, sigma, labels),
                new LevelNetwork(fake, preconditioning).denoise(noisy, sigma, labels));
        NDArray dm = DistributionMatching.loss(x, gradient);
        if (head == null) {
            return new Losses(dm, dm.getFloat(), Double.NaN, x.stopGradient());
        }
        NDArray gan = DistributionMatching.generatorGan(logits(x, labels, random));
        return new Losses(dm.add(Scalars.times(gan, plan.ganWeight())), dm.getFloat(), gan.getFloat(),
                x.stopGradient());
    }

    /**
     * The critic's loss on G's (detached) samples x: the fake score's denoising loss at levels from the whole table,
     * plus {@code criticGanWeight} times the discriminator loss of noised generated and noised real samples. Only
     * the fake score's and the head's weights record gradients.
     */
    Losses criticLoss(NDArray x, NDArray labels, NDArray realX, NDArray realLabels, SplittableRandom random) {
        trainable(generator.weights().all(), false);
        trainable(critic(""), true);
        NDArray samples = x.stopGradient();
        int n = (int) samples.getShape().get(0);
        double[] sigma = draw(random, n, 0, Dmd2Plan.TABLE - 1);
        NDArray noisy = samples.add(NativeArrays.standardNormal(random, samples.getShape(), samples.getManager())
                .mul(NativeArrays.perSample(sigma, samples)));
        NDArray denoising = DistributionMatching.denoisingLoss(new LevelNetwork(fake, preconditioning)
                .denoise(noisy, sigma, labels), samples, sigma, preconditioning.sigmaData());
        if (head == null) {
            return new Losses(denoising, denoising.getFloat(), Double.NaN, samples);
        }
        NDArray gan = DistributionMatching.criticGan(logits(samples, labels, random), logits(realX, realLabels,
                random));
        return new Losses(denoising.add(Scalars.times(gan, plan.criticGanWeight())), denoising.getFloat(),
                gan.getFloat(), samples);
    }

    /** The head's logits of x noised to levels from the whole table (DMD2's diffusion GAN). */
    private NDArray logits(NDArray x, NDArray labels, SplittableRandom random) {
        double[] sigma = draw(random, (int) x.getShape().get(0), 0, Dmd2Plan.TABLE - 1);
        NDArray noisy = x.add(NativeArrays.standardNormal(random, x.getShape(), x.getManager())
                .mul(NativeArrays.perSample(sigma, x)));
        return head.apply(new LevelNetwork(fake, preconditioning).features(noisy, sigma, labels));
    }

    /** The teacher's estimates, with classifier-free guidance when the plan asks for it. */
    private NDArray realScore(NDArray x, double[] sigma, NDArray labels) {
        NDArray conditional = real.denoise(x, sigma, labels);
        if (labels == null || plan.guidance() == 1) {
            return conditional;
        }
        NDArray none = labels.getManager().full(labels.getShape(), classes, labels.getDataType());
        NDArray unconditional = real.denoise(x, sigma, none);
        return unconditional.add(Scalars.times(conditional.sub(unconditional), plan.guidance()));
    }

    /** n levels drawn uniformly from table indices [from, to]. */
    private double[] draw(SplittableRandom random, int n, int from, int to) {
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = table[random.nextInt(from, to + 1)];
        }
        return out;
    }

    private static void trainable(Map<String, NDArray> weights, boolean trainable) {
        weights.values().forEach(w -> w.setRequiresGradient(trainable));
    }

    static double[] filled(int n, double value) {
        double[] out = new double[n];
        Arrays.fill(out, value);
        return out;
    }
}
