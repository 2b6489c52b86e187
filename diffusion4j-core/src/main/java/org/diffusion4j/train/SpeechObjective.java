package org.diffusion4j.train;

import ai.djl.ndarray.NDArray;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.backend.Differentiable;
import org.diffusion4j.nn.ExtraChannels;
import org.diffusion4j.nn.Network;
import org.diffusion4j.nn.SpeechNetwork;
import org.diffusion4j.tts.SpeechModel;

/**
 * The loss of a text-to-speech model ({@link SpeechModel}): the prior loss mean (μ − x₀)² (twice Grad-TTS's) of the
 * encoder's prior μ of each clip's word, plus the decoder's loss given μ held fixed — the bridge's data-prediction
 * loss from x₀ to x₁ = μ ({@link BridgeObjective#loss}), or the denoising {@link Objective} of the residual x₀ − μ
 * with μ as the network's extra input channels. The batch's labels are the clips' words.
 *
 * @param model the decoder
 * @param denoising the objective of the model's process (the diffusion decoder's)
 */
@Differentiable
public record SpeechObjective(SpeechModel model, Objective denoising) implements TrainingObjective {

    @Override
    public NDArray loss(Network network, NDArray x0, NDArray labels, double[] t, NDArray noise, boolean training) {
        if (!(network instanceof SpeechNetwork speech) || labels == null) {
            throw new InvalidArgumentException("a text-to-speech objective trains a speech network on labelled clips");
        }
        NDArray prior = speech.prior(labels);
        NDArray priorError = prior.sub(x0);
        NDArray priorLoss = priorError.mul(priorError).mean();
        NDArray mu = prior.stopGradient();
        NDArray decoderLoss = model.bridge()
                ? BridgeObjective.loss(model.reference(), network, x0, mu, t, noise, null, training)
                : denoising.loss(new ExtraChannels(network, mu), x0.sub(mu), null, t, noise, training);
        return decoderLoss.add(priorLoss);
    }
}
