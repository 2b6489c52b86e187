package org.diffusion4j.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.diffusion4j.SpecOptions;
import org.diffusion4j.bridge.BridgeSampler;
import org.diffusion4j.bridge.BridgeSchedule;
import org.diffusion4j.nn.Network;
import org.diffusion4j.restore.ImageBridge;
import org.diffusion4j.sample.GaussianNoise;
import org.diffusion4j.sample.NoiseSource;

/**
 * A bridge model ({@link ImageBridge}): restores each request's observation y by a {@link BridgeSampler} from the
 * task's prior x₁ = prior(y) to t = 0, one network call per step. Samplers: {@code bridge-sde[:noise=1]} (stochastic;
 * its noise from the sample's seed) and {@code bridge-ode} (deterministic given y). A request must carry one
 * observation per seed; Gaussian options (grid, start, noise kind, dtype, guidance) and classes are refused.
 */
public final class BridgeGenerator implements Generator {
    private final ImageBridge bridge;
    private final Network network;
    private final Shape sampleShape;
    private final String defaultSampler;

    /**
     * @param bridge the bridge and its task
     * @param network the data-prediction network ([x_t, x₁] → x̂₀)
     * @param sampleShape the shape of one restored image
     * @param defaultSampler the sampler of requests that name none
     */
    public BridgeGenerator(ImageBridge bridge, Network network, Shape sampleShape, String defaultSampler) {
        this.bridge = bridge;
        this.network = network;
        this.sampleShape = sampleShape;
        this.defaultSampler = defaultSampler;
    }

    @Override
    public String kind() {
        return "bridge:" + bridge.task();
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
        return List.of("bridge-sde", "bridge-ode");
    }

    @Override
    public String defaultSampler() {
        return defaultSampler;
    }

    @Override
    public Generation generate(GenerationRequest request, NDManager manager) {
        Conditions.refuseGaussianOptions(request, "a bridge model", "it steps uniformly in time from its prior",
                "it starts from the observation's prior", "its SDE draws Gaussian noise from each seed");
        Conditions.requireClasses(request, 0);
        try (NDManager work = manager.newSubManager()) {
            NDArray prior = Conditions.prior(request, bridge.restoration(), bridge.task(), sampleShape, work);
            return sample(bridge.reference(), network, prior, request, defaultSampler, manager);
        }
    }

    /**
     * Samples the bridges of {@code reference} from {@code prior} (one per seed of {@code request}) to t = 0 with the
     * request's sampler ({@code bridge-sde[:noise=1]} or {@code bridge-ode}; {@code defaultSampler} if it names
     * none) and step budget; the result lives in {@code manager}.
     */
    static Generation sample(BridgeSchedule reference, Network network, NDArray prior, GenerationRequest request,
            String defaultSampler, NDManager manager) {
        int steps = request.budget().steps(n -> (long) n);
        Map<String, Function<SpecOptions, BridgeSampler>> kinds = new LinkedHashMap<>();
        kinds.put("bridge-sde", o -> new BridgeSampler(reference, true, steps, o.number("noise", 1),
                BridgeSampler.OFFSET));
        kinds.put("bridge-ode", o -> BridgeSampler.ode(reference, steps));
        BridgeSampler sampler = SpecOptions.create("sampler", request.sampler() == null ? defaultSampler
                : request.sampler(), kinds);
        boolean stochastic = sampler.stochastic();
        try (NDManager work = manager.newSubManager()) {
            NoiseSource noise = stochastic ? GaussianNoise.perSample(request.seeds()) : NoiseSource.NONE;
            NDArray restored = sampler.sample(ImageBridge.prediction(network), prior, noise, work);
            restored.attach(manager);
            return new Generation(restored, steps, steps, stochastic ? "bridge-sde" : "bridge-ode");
        }
    }
}
