package org.diffusion4j.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.denoise.Preconditioning;
import org.diffusion4j.grid.GridSpec;
import org.diffusion4j.nn.ExtraChannels;
import org.diffusion4j.nn.SpeechNetwork;
import org.diffusion4j.sample.SamplerRegistry;
import org.diffusion4j.tts.SpeechModel;

/**
 * A text-to-speech model ({@link SpeechModel}): each request's classes are the words to say, one per seed; the
 * encoder gives their priors μ, and the decoder goes from μ to the mel — the bridge by {@code bridge-sde} or
 * {@code bridge-ode} from x₁ = μ, the diffusion decoder by any sampler of its process on the residual (from
 * N(0, I) for a VP process, so the sample starts at N(μ, I); at a request's temperature τ from N(0, I/τ²), Grad-TTS's
 * N(μ, I/τ²)), μ added back. The bridge starts from μ itself and refuses a temperature.
 */
public final class SpeechGenerator implements Generator {
    private final SpeechModel model;
    private final SpeechNetwork network;
    private final Preconditioning preconditioning;
    private final Shape sampleShape;
    private final GridSpec defaultGrid;
    private final String defaultSampler;

    /**
     * @param model the decoder
     * @param network the encoder and decoder
     * @param preconditioning the diffusion decoder's process and conventions (unused by the bridge)
     * @param sampleShape the shape of one mel
     * @param defaultGrid the diffusion decoder's grid of requests that name none
     * @param defaultSampler the sampler of requests that name none
     */
    public SpeechGenerator(SpeechModel model, SpeechNetwork network, Preconditioning preconditioning,
            Shape sampleShape, GridSpec defaultGrid, String defaultSampler) {
        this.model = model;
        this.network = network;
        this.preconditioning = preconditioning;
        this.sampleShape = sampleShape;
        this.defaultGrid = defaultGrid;
        this.defaultSampler = defaultSampler;
    }

    @Override
    public String kind() {
        return "tts:" + model.method();
    }

    @Override
    public Shape sampleShape() {
        return sampleShape;
    }

    /** The vocabulary's words. */
    @Override
    public int classes() {
        return network.classes();
    }

    @Override
    public List<String> samplers() {
        return model.bridge() ? List.of("bridge-sde", "bridge-ode") : SamplerRegistry.names();
    }

    @Override
    public String defaultSampler() {
        return defaultSampler;
    }

    @Override
    public Generation generate(GenerationRequest request, NDManager manager) {
        Conditions.refuseObservation(request, "a text-to-speech model");
        if (request.classes() == null) {
            throw new InvalidArgumentException("a text-to-speech model says words: give one word (class) per seed");
        }
        if (request.guidance() != 1) {
            throw new InvalidArgumentException("a text-to-speech model has no null word: it does not take "
                    + "classifier-free guidance (scale " + request.guidance() + ")");
        }
        Conditions.requireClasses(request, classes());
        if (model.bridge()) {
            Conditions.refuseGaussianOptions(request, "a bridge speech model", "it steps uniformly in time from its "
                    + "prior", "it starts from the words' prior", "its SDE draws Gaussian noise from each seed");
        }
        GenerationRequest decoding = request.toBuilder().classes(null).build();
        try (NDManager work = manager.newSubManager()) {
            NDArray prior = network.prior(work.create(request.classes()));
            if (model.bridge()) {
                return BridgeGenerator.sample(model.reference(), network, prior, decoding, defaultSampler, manager);
            }
            Generation residual = Generators.network(new ExtraChannels(network, prior), preconditioning, sampleShape,
                    defaultGrid, defaultSampler).generate(decoding, work);
            NDArray mel = residual.samples().add(prior);
            mel.attach(manager);
            return new Generation(mel, residual.evaluations(), residual.steps(), residual.sampler());
        }
    }
}
