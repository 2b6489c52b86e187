package org.diffusion4j.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.diffusion4j.denoise.Preconditioning;
import org.diffusion4j.grid.GridSpec;
import org.diffusion4j.nn.ExtraChannels;
import org.diffusion4j.nn.Network;
import org.diffusion4j.restore.RestorationModel;
import org.diffusion4j.sample.SamplerRegistry;

/**
 * A diffusion model conditioned on an observation ({@link RestorationModel}, method {@code conditional}): each
 * request's observations give the priors x₁ = prior(y), the network sees them as extra input channels
 * ({@link ExtraChannels}), and the rest is a {@link GaussianGenerator} of the model's process — every sampler, grid,
 * budget and noise option it takes, one sample per seed and observation.
 */
public final class ConditionalGenerator implements Generator {
    private final RestorationModel model;
    private final Network network;
    private final Preconditioning preconditioning;
    private final Shape sampleShape;
    private final GridSpec defaultGrid;
    private final String defaultSampler;

    /**
     * @param model the method and task
     * @param network the network of [c_in·x_t, x₁]
     * @param preconditioning how the network becomes a denoiser of its process
     * @param sampleShape the shape of one restored image
     * @param defaultGrid the grid of requests that name none
     * @param defaultSampler the sampler of requests that name none
     */
    public ConditionalGenerator(RestorationModel model, Network network, Preconditioning preconditioning,
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
        return "conditional:" + model.task();
    }

    @Override
    public Shape sampleShape() {
        return sampleShape;
    }

    @Override
    public int classes() {
        return network.classes();
    }

    @Override
    public List<String> samplers() {
        return SamplerRegistry.names();
    }

    @Override
    public String defaultSampler() {
        return defaultSampler;
    }

    @Override
    public Generation generate(GenerationRequest request, NDManager manager) {
        try (NDManager work = manager.newSubManager()) {
            NDArray prior = Conditions.prior(request, model.restoration(), model.task(), sampleShape, work);
            return Generators.network(new ExtraChannels(network, prior), preconditioning, sampleShape, defaultGrid,
                    defaultSampler).generate(request.toBuilder().observation(null).build(), manager);
        }
    }
}
