package org.diffusion4j.restore;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.annotation.JsonInclude;
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
 * With a {@code robust} block the bridge is trained adversarially, as a robustified {@link RestorationModel} is
 * ({@link org.diffusion4j.train.AdversarialObjective}): the output compared is x̂₀ at the step's time on the bridge to
 * the perturbed observation's prior, x_t = a_t·x₀ + b_t·prior(y + δ) + c_t·ε (same x₀ and ε), so both the network's
 * state and its conditioning move with δ, as they do when a sampler starts from the perturbed prior.
 *
 * @param schedule the bridge schedule's spec ({@link BridgeSchedule#byName})
 * @param task the restoration task's spec ({@link RestorationTask#byName})
 * @param robust the adversarial training's settings, or null for plain training
 */
public record ImageBridge(String schedule, String task,
        @JsonInclude(JsonInclude.Include.NON_NULL) RestorationModel.Robustness robust) {

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

    /** A bridge trained without an adversary. */
    public ImageBridge(String schedule, String task) {
        this(schedule, task, null);
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
