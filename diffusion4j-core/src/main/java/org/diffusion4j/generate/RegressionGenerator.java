package org.diffusion4j.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.nn.Network;
import org.diffusion4j.restore.RestorationModel;

/**
 * An MMSE regressor ({@link RestorationModel}, method {@code regression}): restores each observation y by one network
 * call on its prior, x̂ = F(prior(y)). Deterministic; its one sampler is {@code regression}, its budget one step (an
 * NFE budget of any size spends one call). Seeds only count the samples; Gaussian options and classes are refused.
 */
public final class RegressionGenerator implements Generator {
    /** The regressor's one sampler name. */
    public static final String SAMPLER = "regression";

    private final RestorationModel model;
    private final Network network;
    private final Shape sampleShape;

    /**
     * @param model the method and task
     * @param network the network x₁ ↦ x̂
     * @param sampleShape the shape of one restored image
     */
    public RegressionGenerator(RestorationModel model, Network network, Shape sampleShape) {
        this.model = model;
        this.network = network;
        this.sampleShape = sampleShape;
    }

    @Override
    public String kind() {
        return "regression:" + model.task();
    }

    @Override
    public Shape sampleShape() {
        return sampleShape;
    }

    @Override
    public int classes() {
        return 0;
    }

    @Override
    public List<String> samplers() {
        return List.of(SAMPLER);
    }

    @Override
    public String defaultSampler() {
        return SAMPLER;
    }

    @Override
    public Budget defaultBudget() {
        return Budget.steps(1);
    }

    @Override
    public Generation generate(GenerationRequest request, NDManager manager) {
        GenerationRequest asked = request.budget() == null ? request.toBuilder().budget(defaultBudget()).build()
                : request;
        Conditions.refuseGaussianOptions(asked, "an MMSE regressor", "it restores in one network call",
                "it starts from the observation's prior", "it draws no noise");
        Conditions.requireClasses(asked, 0);
        if (asked.sampler() != null && !asked.sampler().equals(SAMPLER)) {
            throw new InvalidArgumentException("an MMSE regressor has one sampler, " + SAMPLER + "; got '"
                    + asked.sampler() + "'");
        }
        if (!asked.budget().nfe() && asked.budget().value() != 1) {
            throw new InvalidArgumentException("an MMSE regressor restores in one step; asked for " + asked.budget());
        }
        try (NDManager work = manager.newSubManager()) {
            NDArray prior = Conditions.prior(asked, model.restoration(), model.task(), sampleShape, work);
            NDArray restored = RestorationModel.regress(network, prior, null, false);
            restored.attach(manager);
            return new Generation(restored, 1, 1, SAMPLER);
        }
    }
}
