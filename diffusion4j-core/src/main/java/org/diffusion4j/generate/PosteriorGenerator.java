package org.diffusion4j.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.diffusion4j.SpecOptions;
import org.diffusion4j.denoise.Denoiser;
import org.diffusion4j.grid.Grid;
import org.diffusion4j.process.NoiseSchedule;
import org.diffusion4j.restore.Ddrm;
import org.diffusion4j.restore.DiffusionPosteriorSampling;
import org.diffusion4j.restore.RestorationTask;
import org.diffusion4j.sample.GaussianNoise;

/**
 * Zero-shot posterior sampling: an unconditional prior's EDM-view denoiser and a task's exact operator, no training
 * for the task. Samplers: {@code dps[:zeta=Z]} ({@link DiffusionPosteriorSampling}: gradients through the denoiser,
 * one backward pass per step besides its call) and {@code ddrm[:eta=0.85,eta_b=1]} ({@link Ddrm}: projections, for
 * super-resolution, inpainting and denoising), over the request's grid or Karras et al.'s (0.002 to 80, ρ = 7) ending
 * at 0, one denoiser call per step, 50 steps unless the request gives a budget; one observation per seed, every
 * sample's noise from its seed.
 */
public final class PosteriorGenerator implements Generator {
    /** DPS's default step ζ. */
    public static final double DPS_ZETA = 1;

    private final RestorationTask task;
    private final Denoiser prior;
    private final NoiseSchedule schedule;
    private final Shape sampleShape;

    /**
     * @param task the observation's operator
     * @param prior the unconditional prior's EDM-view denoiser (differentiable in x, for DPS)
     * @param schedule the prior's process, which places its grid
     * @param sampleShape the shape of one image
     */
    public PosteriorGenerator(RestorationTask task, Denoiser prior, NoiseSchedule schedule, Shape sampleShape) {
        this.task = task;
        this.prior = prior;
        this.schedule = schedule;
        this.sampleShape = sampleShape;
    }

    @Override
    public String kind() {
        return "zero-shot:" + task.spec();
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
        return List.of("dps", "ddrm");
    }

    @Override
    public String defaultSampler() {
        return "ddrm";
    }

    /** 50 steps, the budget of requests that give none. */
    @Override
    public Budget defaultBudget() {
        return Budget.steps(50);
    }

    /** One way to sample: DPS or DDRM. */
    @FunctionalInterface
    private interface Method {
        NDArray sample(NDArray y, Shape shape, double[] sigmas, GaussianNoise noise, NDManager manager);
    }

    @Override
    public Generation generate(GenerationRequest request, NDManager manager) {
        Conditions.requireClasses(request, 0);
        Budget budget = request.budget() != null ? request.budget() : defaultBudget();
        if (request.start() != null || request.temperature() != 1 || request.noise() != null
                || request.guidance() != 1 || request.dtype() != ai.djl.ndarray.types.DataType.FLOAT32) {
            throw new org.diffusion4j.InvalidArgumentException("zero-shot posterior sampling takes no start, "
                    + "temperature, noise kind, guidance or dtype other than float32: it starts from noise at the "
                    + "grid's top, drawn from each seed, in float32");
        }
        Map<String, Function<SpecOptions, Method>> kinds = new LinkedHashMap<>();
        kinds.put("dps", o -> {
            DiffusionPosteriorSampling dps = new DiffusionPosteriorSampling(task, o.number("zeta", DPS_ZETA));
            return (y, shape, sigmas, noise, m) -> dps.sample(prior, y, shape, sigmas, noise, m);
        });
        kinds.put("ddrm", o -> {
            Ddrm ddrm = new Ddrm(task, o.number("eta", Ddrm.ETA), o.number("eta_b", Ddrm.ETA_B));
            return (y, shape, sigmas, noise, m) -> ddrm.sample(prior, y, shape, sigmas, noise, m);
        });
        String spec = request.sampler() == null ? defaultSampler() : request.sampler();
        Method method = SpecOptions.create("sampler", spec, kinds);
        int steps = budget.steps(n -> (long) n);
        Grid grid = (request.grid() == null ? GaussianGenerator.EDM_GRID : request.grid()).build(steps, schedule,
                true);
        try (NDManager work = manager.newSubManager()) {
            NDArray y = Conditions.observation(request, task, task.spec(), sampleShape, work);
            NDArray x = method.sample(y, new Shape(request.seeds().length).addAll(sampleShape), grid.sigmas(),
                    GaussianNoise.perSample(request.seeds()), work);
            x.attach(manager);
            return new Generation(x, steps, steps, spec.contains(":") ? spec.substring(0, spec.indexOf(':')) : spec);
        }
    }
}
