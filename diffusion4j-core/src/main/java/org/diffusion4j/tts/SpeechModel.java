package org.diffusion4j.tts;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.UnknownNameException;
import org.diffusion4j.bridge.BridgeSchedule;

/**
 * A text-to-speech model (a training config's {@code speech} block). Its network ({@code speech} network config)
 * holds a character encoder, which spells each word of the vocabulary and maps it to a mel-shaped prior μ, and a
 * decoder U-Net of [x, μ] (the two stacked along the channels). Both are trained together: the prior loss mean
 * (μ − x₀)² (twice Grad-TTS's, the mean of ½(μ − x₀)² + ½ ln 2π: the mel's negative log-likelihood under N(μ, I))
 * plus the decoder's loss, with μ held fixed inside the latter. The decoder is one of:
 * <ul>
 *   <li>{@code bridge} (Bridge-TTS, Chen et al. 2023): the tractable bridge of {@code schedule} from the mel x₀ to
 *       x₁ = μ, a data prediction x̂₀(x_t, t, μ) trained with the bridge's loss and sampled by the bridge SDE or
 *       ODE — the prior is the start, no noise is added to it;</li>
 *   <li>{@code diffusion} (Grad-TTS, Popov et al. 2021): the model's Gaussian process applied to the residual
 *       x₀ − μ, so that the terminal distribution is N(μ, I) for a VP process (Grad-TTS's forward SDE with Σ = I),
 *       with the network conditioned on μ; any sampler of the process draws the residual, μ is added back.</li>
 * </ul>
 *
 * @param method {@code bridge} or {@code diffusion}
 * @param schedule the bridge schedule's spec ({@link BridgeSchedule#byName}); only for {@code bridge}
 */
public record SpeechModel(String method, @JsonInclude(JsonInclude.Include.NON_NULL) String schedule) {

    /** The decoders. */
    public static final List<String> METHODS = List.of("bridge", "diffusion");

    public SpeechModel {
        if (method == null) {
            throw new InvalidArgumentException("a speech model needs a method, e.g. {\"method\": \"bridge\", "
                    + "\"schedule\": \"gmax\"} or {\"method\": \"diffusion\"}");
        }
        if (!METHODS.contains(method)) {
            throw new UnknownNameException("speech method", method, METHODS);
        }
        if (method.equals("bridge")) {
            if (schedule == null) {
                throw new InvalidArgumentException("a bridge speech model needs a schedule, e.g. \"gmax\"");
            }
            try {
                BridgeSchedule.byName(schedule);
            } catch (org.diffusion4j.DiffusionException e) {
                throw new InvalidArgumentException("speech: " + e.getMessage());
            }
        } else if (schedule != null) {
            throw new InvalidArgumentException("speech.schedule is for the bridge; a diffusion speech model uses "
                    + "its preconditioning's process, got schedule " + schedule);
        }
    }

    /** Whether the decoder is the bridge. */
    public boolean bridge() {
        return method.equals("bridge");
    }

    /** The bridge's reference SDE. */
    public BridgeSchedule reference() {
        if (!bridge()) {
            throw new IllegalStateException("a diffusion speech model has no bridge");
        }
        return BridgeSchedule.byName(schedule);
    }
}
