package org.diffusion4j.restore;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.backend.NativeArrays;
import org.diffusion4j.bridge.BridgeSchedule;
import org.diffusion4j.bridge.DataPrediction;
import org.diffusion4j.nn.Network;

/**
 * A bridge model's process (a training config's {@code bridge} block): the tractable bridge of {@code schedule}
 * from the clean image x₀ to the prior x₁ that {@code task} builds from the observation. Its network predicts x₀
 * from [x_t, x₁] (the two stacked along the channels) and the noise label 999·t ({@link #predict}), so it takes
 * twice the data's channels and returns the data's.
 *
 * @param schedule the bridge schedule's spec ({@link BridgeSchedule#byName})
 * @param task the restoration task's spec ({@link RestorationTask#byName})
 */
public record ImageBridge(String schedule, String task) {

    public ImageBridge {
        if (schedule == null || task == null) {
            throw new InvalidArgumentException("a bridge needs a schedule and a task, e.g. {\"schedule\": \"gmax\", "
                    + "\"task\": \"sr4\"}");
        }
        try {
            BridgeSchedule.byName(schedule);
            RestorationTask.byName(task);
        } catch (org.diffusion4j.DiffusionException e) {
            throw new InvalidArgumentException("bridge: " + e.getMessage());
        }
    }

    /** The bridge's reference SDE. */
    public BridgeSchedule reference() {
        return BridgeSchedule.byName(schedule);
    }

    /** The task whose observation gives the prior. */
    public RestorationTask restoration() {
        return RestorationTask.byName(task);
    }

    /** The network's x̂₀ for states {@code x} at times {@code t} (one per sample) on bridges to {@code prior}. */
    public static NDArray predict(Network network, NDArray x, double[] t, NDArray prior, NDArray classLabels,
            boolean training) {
        double[] labels = new double[t.length];
        for (int i = 0; i < t.length; i++) {
            labels[i] = 999 * t[i];
        }
        NDArray noiseLabel = NativeArrays.of(x.getManager(), labels, new Shape(t.length), x.getDataType());
        return network.forward(x.concat(prior, 1), noiseLabel, classLabels, training);
    }

    /** The network as a sampler's data prediction (no classes, no dropout). */
    public static DataPrediction prediction(Network network) {
        return (x, t, prior) -> {
            double[] times = new double[(int) x.getShape().get(0)];
            java.util.Arrays.fill(times, t);
            return predict(network, x, times, prior, null, false);
        };
    }
}
