package org.diffusion4j.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import java.util.SplittableRandom;
import org.diffusion4j.backend.EngineThreads;
import org.diffusion4j.data.ImageSet;
import org.diffusion4j.nn.Network;
import org.diffusion4j.train.AdamW;
import org.diffusion4j.train.Gradients;
import org.diffusion4j.train.TrainingConfig;

/**
 * The least a training step can be: the network's forward pass on a fixed batch, the mean squared error to a
 * fixed target, backward, AdamW, zeroed gradients, all in a manager per step. The baseline of the training loop's
 * overhead.
 */
public final class BareTrainingStep {
    private final Network network;
    private final AdamW adam;
    private final ImageSet data;
    private final float[] target;
    private final float[] noiseLabels;
    private final double learningRate;
    private final NDManager manager;

    /** A fresh network of {@code model}'s config (seeded), its optimizer and batch, in {@code manager}. */
    public BareTrainingStep(BenchModel model, long seed, NDManager manager) {
        TrainingConfig config = model.config();
        TrainingConfig.Optimization o = config.optimization();
        this.manager = manager;
        this.network = config.network().initialize(manager, DataType.FLOAT32, seed);
        network.weights().requireGradients(true);
        this.adam = new AdamW(network.weights().all(), manager, o.beta1(), o.beta2(), o.epsilon(), o.weightDecay());
        this.learningRate = o.learningRate();
        this.data = model.syntheticData(o.batch(), seed);
        SplittableRandom random = new SplittableRandom(seed);
        this.target = new float[data.values().length];
        for (int i = 0; i < target.length; i++) {
            target[i] = (float) random.nextGaussian();
        }
        this.noiseLabels = new float[o.batch()];
        for (int i = 0; i < noiseLabels.length; i++) {
            noiseLabels[i] = (float) random.nextGaussian();
        }
    }

    /** One step; returns the loss. */
    public double run() {
        EngineThreads.beforeStep();
        try (NDManager step = manager.newSubManager()) {
            int batch = noiseLabels.length;
            NDArray x = step.create(data.values(), data.batchShape(batch));
            NDArray y = step.create(target, data.batchShape(batch));
            NDArray labels = data.classes() > 0 ? step.create(data.labels()) : null;
            double loss;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray error = network.forward(x, step.create(noiseLabels), labels, true).sub(y);
                NDArray value = error.mul(error).mean();
                loss = value.getFloat();
                collector.backward(value);
            }
            adam.update(network.weights().all(), learningRate);
            Gradients.zero(network.weights().all());
            return loss;
        }
    }
}
