package org.diffusion4j.train;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.diffusion4j.DiffusionException;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.audio.AudioFeature;
import org.diffusion4j.denoise.Preconditioning;
import org.diffusion4j.io.AtomicFiles;
import org.diffusion4j.io.FileFormatException;
import org.diffusion4j.io.UserFiles;
import org.diffusion4j.nn.NetworkConfig;
import org.diffusion4j.nonlinear.SineDriftProcess;
import org.diffusion4j.nonlinear.TransitionTable;
import org.diffusion4j.phase.PhaseEpsilon;
import org.diffusion4j.phase.Psld;
import org.diffusion4j.restore.ImageBridge;
import org.diffusion4j.restore.RestorationModel;
import org.diffusion4j.restore.RestorationTask;
import org.diffusion4j.tts.SpeechModel;

/**
 * Everything that defines a training run, and so everything needed to rebuild its model: the data, the network,
 * how the network becomes a denoiser, the training times, the optimization and the default sampler. Stored as a
 * run's {@code config.json} (snake_case keys).
 *
 * @param name a label for reports
 * @param data the training data
 * @param network the network
 * @param preconditioning process, prediction target and input/label conventions
 * @param time where training times are drawn
 * @param optimization the optimizer, schedule, EMA and run lengths
 * @param sampling the sampler previews (and {@code d4j sample --run}) use by default
 * @param lossWeight SiT's {@link LossWeight} ({@code none}, {@code velocity}, {@code likelihood}); absent: none
 * @param phaseSpace absent for a Gaussian process; else the phase-space process the model is trained on
 *     ({@link PhaseSpaceObjective}): the network maps [x, m] to ε, with twice the data's channels, and
 *     {@code preconditioning} only sets its conventions ({@link PhaseEpsilon}: ε or mixed-score prediction,
 *     unscaled input; the noise label and time domain)
 * @param distillation absent for a model trained on data; else the distillation round that made it
 *     ({@link Distillation}): it trains only with its teacher ({@code d4j distill}), and samples by default with
 *     its own sampler and step count
 * @param nonlinear absent for a Gaussian or phase-space process; else the non-linear process the model is trained on
 *     ({@link NonlinearObjective}): a U-Net with two output heads (score and data; {@code network.output_channels}
 *     twice the data's), training times drawn uniformly from the process's tabulated times ({@code time} must be
 *     uniform on [0, 1], read as the fraction of the table), and {@code preconditioning} unused beyond that time
 *     domain
 * @param bridge absent for a model of noise; else the data-to-data bridge the model is trained on
 *     ({@link BridgeObjective}): a U-Net taking [x_t, x₁] (twice the data's channels) and returning x̂₀
 *     ({@code network.output_channels} the data's), times uniform inside (0, 1), and {@code preconditioning} unused;
 *     with a {@code robust} block, trained adversarially ({@link AdversarialObjective})
 * @param restoration absent for a model of the data alone; else the observations it restores ({@link RestorationModel}):
 *     {@code conditional}, a model of its Gaussian process whose U-Net also takes the task's prior x₁
 *     ({@link ConditionalObjective}; twice the data's channels in, the data's out); {@code regression}, the MMSE
 *     regressor x₁ ↦ x̂ ({@link RegressionObjective}; the data's channels in and out, {@code time} and
 *     {@code preconditioning} unused)
 * @param speech absent for a model of the data alone; else the text-to-speech model it is ({@link SpeechModel},
 *     {@link SpeechObjective}): a {@code speech} network (a character encoder and a decoder U-Net of [x, μ]) whose
 *     classes are the words; for the bridge decoder times uniform inside (0, 1) and {@code preconditioning} unused,
 *     for the diffusion decoder the process of {@code preconditioning} on the residual x₀ − μ
 */
public record TrainingConfig(String name, Data data, NetworkConfig network, Preconditioning preconditioning,
        TimeDistribution time, Optimization optimization, Sampling sampling, String lossWeight,
        @JsonInclude(JsonInclude.Include.NON_NULL) Psld phaseSpace,
        @JsonInclude(JsonInclude.Include.NON_NULL) Distillation distillation,
        @JsonInclude(JsonInclude.Include.NON_NULL) SineDriftProcess nonlinear,
        @JsonInclude(JsonInclude.Include.NON_NULL) ImageBridge bridge,
        @JsonInclude(JsonInclude.Include.NON_NULL) RestorationModel restoration,
        @JsonInclude(JsonInclude.Include.NON_NULL) SpeechModel speech) {

    /** The JSON mapping of configs (snake_case, unknown keys rejected). */
    public static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(SerializationFeature.INDENT_OUTPUT);

    public TrainingConfig {
        if (data == null || network == null || preconditioning == null || time == null || optimization == null
                || sampling == null) {
            throw new InvalidArgumentException("a training config needs data, network, preconditioning, time, "
                    + "optimization and sampling");
        }
        lossWeight = lossWeight == null ? LossWeight.NONE.label() : lossWeight;
        LossWeight.parse(lossWeight).check(preconditioning.prediction());
        if (phaseSpace == null && nonlinear == null && bridge == null
                && (restoration == null || !restoration.regression()) && (speech == null || !speech.bridge())) {
            sampling.checkGrid();
        }
        if (distillation != null && phaseSpace != null) {
            throw new InvalidArgumentException("a distilled model is a Gaussian-process model; phase_space and "
                    + "distillation cannot both be set");
        }
        if (network instanceof NetworkConfig.Speech && speech == null) {
            throw new InvalidArgumentException("a speech network (a character encoder and a decoder) trains only a "
                    + "text-to-speech model: set the speech block, e.g. {\"method\": \"bridge\", \"schedule\": "
                    + "\"gmax\"}");
        }
        if (speech != null) {
            checkSpeech(speech, data, network, time, phaseSpace != null || nonlinear != null || distillation != null
                    || bridge != null || restoration != null);
        } else if (bridge != null) {
            checkBridge(data, network, time, phaseSpace != null || nonlinear != null || distillation != null
                    || restoration != null);
        } else if (restoration != null) {
            checkRestoration(restoration, data, network, preconditioning,
                    phaseSpace != null || nonlinear != null || distillation != null);
        } else {
            checkNonlinear(nonlinear, phaseSpace, distillation, network, time);
            List<Integer> state = new ArrayList<>(data.sampleShape());
            if (phaseSpace != null) {
                PhaseEpsilon.check(preconditioning);
                state.set(0, 2 * state.get(0));
            }
            if (!state.equals(network.sampleShape())) {
                throw new InvalidArgumentException("the data's samples have shape " + data.sampleShape()
                        + (phaseSpace != null ? " (phase-space states " + state + ")" : "")
                        + " but the network takes " + network.sampleShape());
            }
        }
    }

    /** A config without a speech block. */
    public TrainingConfig(String name, Data data, NetworkConfig network, Preconditioning preconditioning,
            TimeDistribution time, Optimization optimization, Sampling sampling, String lossWeight, Psld phaseSpace,
            Distillation distillation, SineDriftProcess nonlinear, ImageBridge bridge, RestorationModel restoration) {
        this(name, data, network, preconditioning, time, optimization, sampling, lossWeight, phaseSpace, distillation,
                nonlinear, bridge, restoration, null);
    }

    /** A config without a restoration block. */
    public TrainingConfig(String name, Data data, NetworkConfig network, Preconditioning preconditioning,
            TimeDistribution time, Optimization optimization, Sampling sampling, String lossWeight, Psld phaseSpace,
            Distillation distillation, SineDriftProcess nonlinear, ImageBridge bridge) {
        this(name, data, network, preconditioning, time, optimization, sampling, lossWeight, phaseSpace, distillation,
                nonlinear, bridge, null);
    }

    /** A config of a process other than the bridge, read from older files and built by older code. */
    public TrainingConfig(String name, Data data, NetworkConfig network, Preconditioning preconditioning,
            TimeDistribution time, Optimization optimization, Sampling sampling, String lossWeight, Psld phaseSpace,
            Distillation distillation, SineDriftProcess nonlinear) {
        this(name, data, network, preconditioning, time, optimization, sampling, lossWeight, phaseSpace, distillation,
                nonlinear, null, null);
    }

    private static void checkSpeech(SpeechModel speech, Data data, NetworkConfig network, TimeDistribution time,
            boolean otherProcess) {
        if (otherProcess) {
            throw new InvalidArgumentException("a text-to-speech model (field speech) cannot also set phase_space, "
                    + "nonlinear, distillation, bridge or restoration");
        }
        if (!(network instanceof NetworkConfig.Speech words)) {
            throw new InvalidArgumentException("a text-to-speech model needs a speech network (a character encoder and "
                    + "a decoder U-Net), got a " + network.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT)
                    + " network");
        }
        if (!words.priorShape().equals(data.sampleShape())) {
            throw new InvalidArgumentException("the speech network's prior and decoder output have shape "
                    + words.priorShape() + " but the data's samples have shape " + data.sampleShape());
        }
        if (speech.bridge() && !(time instanceof TimeDistribution.Uniform u && u.min() > 0 && u.max() < 1)) {
            throw new InvalidArgumentException("a bridge speech model trains at times inside (0, 1): time must be "
                    + "{\"kind\": \"uniform\", \"min\": 1e-5, \"max\": 0.99999} or similar, got " + time);
        }
    }

    private static void checkRestoration(RestorationModel restoration, Data data, NetworkConfig network,
            Preconditioning preconditioning, boolean otherProcess) {
        if (otherProcess) {
            throw new InvalidArgumentException("a restoration model (field restoration) cannot also set phase_space, "
                    + "nonlinear or distillation");
        }
        List<Integer> input = new ArrayList<>(data.sampleShape());
        String what = "the image x₁";
        if (!restoration.regression()) {
            input.set(0, 2 * input.get(0));
            what = "[x_t, x₁]";
            if (preconditioning.degradation() != null) {
                throw new InvalidArgumentException("a conditional restoration model diffuses by a Gaussian process; "
                        + "preconditioning.degradation must be absent, got " + preconditioning.degradation());
            }
        }
        if (!(network instanceof NetworkConfig.UNet unet) || !input.equals(network.sampleShape())
                || unet.outputs() != data.sampleShape().get(0)) {
            throw new InvalidArgumentException("a " + restoration.method() + " restoration model needs a U-Net taking "
                    + what + ", shape " + input + ", and returning the data's " + data.sampleShape().get(0)
                    + " channels (network.output_channels), got " + (network instanceof NetworkConfig.UNet other
                    ? "a U-Net taking " + network.sampleShape() + " and returning " + other.outputs() + " channels"
                    : "a " + network.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT) + " network"));
        }
    }

    /** The task whose observations this model restores (a bridge or restoration model), or null. */
    public RestorationTask restorationTask() {
        return bridge != null ? bridge.restoration() : restoration != null ? restoration.restoration() : null;
    }

    private static void checkBridge(Data data, NetworkConfig network, TimeDistribution time, boolean otherProcess) {
        if (otherProcess) {
            throw new InvalidArgumentException("a bridge model (field bridge) cannot also set phase_space, nonlinear "
                    + "or distillation");
        }
        List<Integer> input = new ArrayList<>(data.sampleShape());
        input.set(0, 2 * input.get(0));
        if (!(network instanceof NetworkConfig.UNet unet) || !input.equals(network.sampleShape())
                || unet.outputs() != data.sampleShape().get(0)) {
            throw new InvalidArgumentException("a bridge model needs a U-Net taking [x_t, x₁], shape " + input
                    + ", and returning the data's " + data.sampleShape().get(0) + " channels (network.output_channels)"
                    + ", got " + (network instanceof NetworkConfig.UNet other ? "a U-Net taking "
                    + network.sampleShape() + " and returning " + other.outputs() + " channels" : "a "
                    + network.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT) + " network"));
        }
        if (!(time instanceof TimeDistribution.Uniform u && u.min() > 0 && u.max() < 1)) {
            throw new InvalidArgumentException("a bridge model trains at times inside (0, 1), where the bridge is "
                    + "noisy: time must be {\"kind\": \"uniform\", \"min\": 1e-5, \"max\": 0.99999} or similar, got "
                    + time);
        }
    }

    /** A config on a Gaussian or phase-space process. */
    public TrainingConfig(String name, Data data, NetworkConfig network, Preconditioning preconditioning,
            TimeDistribution time, Optimization optimization, Sampling sampling, String lossWeight, Psld phaseSpace,
            Distillation distillation) {
        this(name, data, network, preconditioning, time, optimization, sampling, lossWeight, phaseSpace, distillation,
                null);
    }

    /** A config trained on data (not distilled). */
    public TrainingConfig(String name, Data data, NetworkConfig network, Preconditioning preconditioning,
            TimeDistribution time, Optimization optimization, Sampling sampling, String lossWeight, Psld phaseSpace) {
        this(name, data, network, preconditioning, time, optimization, sampling, lossWeight, phaseSpace, null, null);
    }

    /** A config on a Gaussian process. */
    public TrainingConfig(String name, Data data, NetworkConfig network, Preconditioning preconditioning,
            TimeDistribution time, Optimization optimization, Sampling sampling, String lossWeight) {
        this(name, data, network, preconditioning, time, optimization, sampling, lossWeight, null, null, null);
    }

    /** A config whose loss is unweighted. */
    public TrainingConfig(String name, Data data, NetworkConfig network, Preconditioning preconditioning,
            TimeDistribution time, Optimization optimization, Sampling sampling) {
        this(name, data, network, preconditioning, time, optimization, sampling, null, null, null, null);
    }

    private static void checkNonlinear(SineDriftProcess nonlinear, Psld phaseSpace, Distillation distillation,
            NetworkConfig network, TimeDistribution time) {
        int inputs = network.sampleShape().get(0);
        int outputs = network instanceof NetworkConfig.UNet u ? u.outputs() : inputs;
        if (nonlinear == null) {
            if (outputs != inputs) {
                throw new InvalidArgumentException("network.output_channels is " + outputs + " but the network takes "
                        + inputs + " channels; only a non-linear model (field nonlinear) has two output heads");
            }
            return;
        }
        if (phaseSpace != null || distillation != null) {
            throw new InvalidArgumentException("a non-linear-process model (field nonlinear) cannot also set "
                    + (phaseSpace != null ? "phase_space" : "distillation"));
        }
        if (!(network instanceof NetworkConfig.UNet) || outputs != 2 * inputs) {
            throw new InvalidArgumentException("a non-linear-process model needs a U-Net with two output heads: "
                    + "network.output_channels = " + 2 * inputs + " (twice the data's channels), got "
                    + (network instanceof NetworkConfig.UNet ? outputs + " output channels" : "a " + network.getClass()
                            .getSimpleName().toLowerCase(java.util.Locale.ROOT) + " network"));
        }
        if (!(time instanceof TimeDistribution.Uniform u && u.min() == 0 && u.max() == 1)) {
            throw new InvalidArgumentException("a non-linear-process model draws its training times from its table: "
                    + "time must be {\"kind\": \"uniform\", \"min\": 0, \"max\": 1}, got " + time);
        }
    }

    /**
     * The objective this config trains. A distillation round has none of its own: its objective needs the teacher,
     * which {@code d4j distill} loads.
     */
    public TrainingObjective objective() {
        if (distillation != null) {
            throw new InvalidArgumentException("this config is a " + distillation.method() + " distillation round "
                    + "(config field distillation); it trains only with its teacher: use d4j distill --resume on the "
                    + "distillation's --out");
        }
        if (nonlinear != null) {
            return new NonlinearObjective(nonlinear, new TransitionTable(nonlinear));
        }
        if (bridge != null) {
            BridgeObjective objective = new BridgeObjective(bridge);
            return bridge.robust() == null ? objective : new AdversarialObjective(objective, bridge.robust());
        }
        if (speech != null) {
            return new SpeechObjective(speech, new Objective(preconditioning, LossWeight.parse(lossWeight)));
        }
        if (restoration != null) {
            RestorationObjective restorer = restoration.regression()
                    ? new RegressionObjective(restoration.restoration())
                    : new ConditionalObjective(restoration.restoration(),
                            new Objective(preconditioning, LossWeight.parse(lossWeight)));
            return restoration.robust() == null ? restorer : new AdversarialObjective(restorer, restoration.robust());
        }
        return phaseSpace != null ? new PhaseSpaceObjective(phaseSpace, preconditioning)
                : new Objective(preconditioning, LossWeight.parse(lossWeight));
    }

    /**
     * The training data: {@code mnist}, {@code fashion} (from the data directory), {@code folder} (images under
     * {@code path}), {@code toy} (a {@link org.diffusion4j.data.Toy2d} shape named by {@code path}), {@code gmm}
     * (draws from the mixture spec at {@code path}, or a bundled one) or {@code spoken-digits} (the training speakers'
     * clips of the data directory's {@code spoken-digits} as the {@link AudioFeature} spec at {@code path}).
     *
     * @param source the kind of data
     * @param path folder, toy name, mixture spec or audio feature spec (unused for mnist and fashion)
     * @param size number of samples for toy and gmm data (all of an image set when 0)
     * @param channels image channels (folders), or 0
     * @param resolution image size (folders), or 0
     * @param flip random horizontal flips
     * @param sampleShape the shape of one sample
     */
    public record Data(String source, String path, int size, int channels, int resolution, boolean flip,
            List<Integer> sampleShape) {
        public Data {
            sampleShape = List.copyOf(sampleShape);
            if (!SOURCES.contains(source)) {
                throw new org.diffusion4j.UnknownNameException("data source", source, SOURCES);
            }
            if (source.equals("spoken-digits") && !AudioFeature.parse(path).shape().equals(sampleShape)) {
                throw new InvalidArgumentException("data.sample_shape " + sampleShape + " does not fit the audio "
                        + "feature " + path + " (images " + AudioFeature.parse(path).shape() + ")");
            }
        }

        /** The data sources. */
        public static final List<String> SOURCES = List.of("mnist", "fashion", "folder", "toy", "gmm",
                "spoken-digits");

        /** The audio feature of {@code spoken-digits} data ({@code path}, parsed). */
        public AudioFeature audioFeature() {
            if (!source.equals("spoken-digits")) {
                throw new IllegalStateException(source + " data has no audio feature");
            }
            return AudioFeature.parse(path);
        }
    }

    /**
     * @param batch samples per step
     * @param steps total steps
     * @param learningRate peak learning rate
     * @param warmupSteps linear warm-up from 0
     * @param beta1 AdamW β₁
     * @param beta2 AdamW β₂
     * @param epsilon AdamW ε
     * @param weightDecay AdamW decoupled weight decay
     * @param gradientClip clip the global gradient norm to this (0: off)
     * @param emaHalfLifeImages EMA half-life in images (0: no averaging, the EMA weights are the latest weights)
     * @param emaRampUp EMA ramp-up ratio (0: off)
     * @param classDropout probability of replacing a label by the null class (guidance)
     * @param seed everything random derives from it and the step
     * @param checkpointEvery steps between checkpoints
     * @param sampleEvery steps between preview grids (0: never)
     * @param logEvery steps between metrics lines
     * @param learningRateDecay after the warm-up: {@code constant} (absent) or {@code linear} (down to 0 at the last
     *     step, as progressive distillation anneals each round)
     */
    public record Optimization(int batch, long steps, double learningRate, long warmupSteps, double beta1,
            double beta2, double epsilon, double weightDecay, double gradientClip, double emaHalfLifeImages,
            double emaRampUp, double classDropout, long seed, int checkpointEvery, int sampleEvery, int logEvery,
            @JsonInclude(JsonInclude.Include.NON_NULL) String learningRateDecay) {

        /** The learning rate decays after the warm-up. */
        public static final List<String> DECAYS = List.of("constant", "linear");

        /** A constant learning rate after the warm-up. */
        public Optimization(int batch, long steps, double learningRate, long warmupSteps, double beta1,
                double beta2, double epsilon, double weightDecay, double gradientClip, double emaHalfLifeImages,
                double emaRampUp, double classDropout, long seed, int checkpointEvery, int sampleEvery,
                int logEvery) {
            this(batch, steps, learningRate, warmupSteps, beta1, beta2, epsilon, weightDecay, gradientClip,
                    emaHalfLifeImages, emaRampUp, classDropout, seed, checkpointEvery, sampleEvery, logEvery, null);
        }

        public Optimization {
            if (learningRateDecay != null && !DECAYS.contains(learningRateDecay)) {
                throw new org.diffusion4j.UnknownNameException("optimization.learning_rate_decay",
                        learningRateDecay, DECAYS);
            }
            atLeast("batch", batch, 1);
            atLeast("steps", steps, 1);
            require(learningRate > 0 && Double.isFinite(learningRate), "learning_rate must be positive", learningRate);
            atLeast("warmup_steps", warmupSteps, 0);
            unit("beta1", beta1);
            unit("beta2", beta2);
            require(epsilon > 0 && Double.isFinite(epsilon), "epsilon must be positive", epsilon);
            require(weightDecay >= 0 && Double.isFinite(weightDecay), "weight_decay must be at least 0", weightDecay);
            require(gradientClip >= 0 && Double.isFinite(gradientClip),
                    "gradient_clip must be positive (or 0: no clipping)", gradientClip);
            require(emaHalfLifeImages >= 0 && Double.isFinite(emaHalfLifeImages),
                    "ema_half_life_images must be at least 0 (0: no averaging)", emaHalfLifeImages);
            require(emaRampUp >= 0 && Double.isFinite(emaRampUp), "ema_ramp_up must be at least 0 (0: none)",
                    emaRampUp);
            unit("class_dropout", classDropout);
            atLeast("checkpoint_every", checkpointEvery, 1);
            atLeast("sample_every", sampleEvery, 0);
            atLeast("log_every", logEvery, 1);
        }

        private static void atLeast(String field, long value, long min) {
            if (value < min) {
                throw new InvalidArgumentException("optimization." + field + " must be at least " + min + ", got "
                        + value);
            }
        }

        private static void unit(String field, double value) {
            require(value >= 0 && value < 1, field + " must be in [0, 1)", value);
        }

        private static void require(boolean valid, String rule, double value) {
            if (!valid) {
                throw new InvalidArgumentException("optimization." + rule + ", got " + value);
            }
        }

        /**
         * The learning rate at {@code step} (0-based): linear warm-up, then constant, or with {@code linear} decay
         * falling from the peak to 0 after the last step ({@code (steps − step)/(steps − warmup)} of the peak).
         */
        public double learningRateAt(long step) {
            double warm = warmupSteps == 0 ? 1 : Math.min(1.0, (step + 1.0) / warmupSteps);
            if ("linear".equals(learningRateDecay) && step >= warmupSteps) {
                return learningRate * (steps - step) / (double) (steps - warmupSteps);
            }
            return learningRate * warm;
        }

        /** The same settings with another step count. */
        public Optimization withSteps(long newSteps) {
            return new Optimization(batch, newSteps, learningRate, warmupSteps, beta1, beta2, epsilon, weightDecay,
                    gradientClip, emaHalfLifeImages, emaRampUp, classDropout, seed, checkpointEvery, sampleEvery,
                    logEvery, learningRateDecay);
        }
    }

    /**
     * @param sampler sampler spec
     * @param steps sampler steps
     * @param sigmaMin smallest EDM level of the Karras grid
     * @param sigmaMax largest EDM level
     * @param rho Karras ρ
     * @param previews samples in a preview grid
     * @param grid the grid rule over [sigma_min, sigma_max] ({@code karras}, absent, or {@code nested-karras}, the
     *     grid a progressive distillation round is trained on), or {@code list}: exactly the {@code levels} (a
     *     DMD2 generator's)
     * @param levels the positive EDM levels, decreasing, of grid {@code list} (absent otherwise)
     */
    public record Sampling(String sampler, int steps, double sigmaMin, double sigmaMax, double rho, int previews,
            @JsonInclude(JsonInclude.Include.NON_NULL) String grid,
            @JsonInclude(JsonInclude.Include.NON_NULL) List<Double> levels) {

        /** The grid rules a config may name. */
        public static final List<String> GRIDS = List.of("karras", "nested-karras", "list");

        /** A Karras grid. */
        public Sampling(String sampler, int steps, double sigmaMin, double sigmaMax, double rho, int previews) {
            this(sampler, steps, sigmaMin, sigmaMax, rho, previews, null, null);
        }

        /** A grid by rule ({@code karras}, {@code nested-karras}). */
        public Sampling(String sampler, int steps, double sigmaMin, double sigmaMax, double rho, int previews,
                String grid) {
            this(sampler, steps, sigmaMin, sigmaMax, rho, previews, grid, null);
        }

        public Sampling {
            if (grid != null && !GRIDS.contains(grid)) {
                throw new org.diffusion4j.UnknownNameException("sampling.grid", grid, GRIDS);
            }
            if ("list".equals(grid) != (levels != null)) {
                throw new InvalidArgumentException("sampling.levels goes with sampling.grid = list, and only with it; "
                        + "got grid " + grid + " and " + (levels == null ? "no levels" : "levels " + levels));
            }
            if (levels != null) {
                levels = List.copyOf(levels);
                for (int i = 0; i < levels.size(); i++) {
                    double level = levels.get(i);
                    if (!(level > 0 && Double.isFinite(level)) || (i > 0 && !(level < levels.get(i - 1)))) {
                        throw new InvalidArgumentException("sampling.levels must be positive, finite and strictly "
                                + "decreasing, got " + levels);
                    }
                }
                if (levels.isEmpty()) {
                    throw new InvalidArgumentException("sampling.levels needs at least one level");
                }
                if (steps != levels.size()) {
                    throw new InvalidArgumentException("sampling.steps must equal the number of sampling.levels ("
                            + levels.size() + "), got " + steps);
                }
            }
            if (sampler == null || sampler.isBlank()) {
                throw new InvalidArgumentException("sampling.sampler is missing");
            }
            if (steps < 1) {
                throw new InvalidArgumentException("sampling.steps must be at least 1, got " + steps);
            }
            if (previews < 1) {
                throw new InvalidArgumentException("sampling.previews must be at least 1, got " + previews);
            }
        }

        /** The grid this block describes. */
        public org.diffusion4j.grid.GridSpec gridSpec() {
            return org.diffusion4j.grid.GridSpecs.named(grid == null ? "karras" : grid, sigmaMin, sigmaMax, rho,
                    levels == null ? null : levels.stream().mapToDouble(Double::doubleValue).toArray());
        }

        /** Checks the Karras grid of a Gaussian model (a phase-space model has its own grid and ignores it). */
        void checkGrid() {
            if (!(sigmaMin > 0 && sigmaMin < sigmaMax && Double.isFinite(sigmaMax))) {
                throw new InvalidArgumentException("sampling.sigma_min must be positive and below sampling.sigma_max, "
                        + "got " + sigmaMin + " and " + sigmaMax);
            }
            if (!(rho > 0 && Double.isFinite(rho))) {
                throw new InvalidArgumentException("sampling.rho must be positive, got " + rho);
            }
        }
    }

    /**
     * The distillation that made a model. A progressive round's student samples with {@code ddim} in {@code steps}
     * steps on the {@code sampling} grid (nested-karras), trained to match {@code teacherSteps} steps of its teacher;
     * a DMD2 generator samples with {@code lcm} on its own levels ({@code sampling.grid = list}) in {@code steps}
     * model calls, trained to match its teacher in distribution (its settings are the run's {@code dmd2.json}).
     *
     * @param method {@code progressive} (Salimans &amp; Ho 2022) or {@code dmd2} (Yin et al. 2024)
     * @param teacher the teacher as named ({@code bundled:NAME}, {@code gmm:NAME}, a run directory, or the previous
     *     round's directory)
     * @param teacherSteps progressive: the teacher's DDIM steps one student step spans two of; dmd2: 0
     * @param steps the student's steps (DDIM steps, or the DMD2 generator's levels)
     * @param weighting progressive: the loss weighting, {@code snr-trunc} (max(SNR, 1)·‖x̂ − x̃‖², the paper's) or
     *     {@code native} (the squared error of the network output under its preconditioning); dmd2: absent
     */
    public record Distillation(String method, String teacher, int teacherSteps, int steps,
            @JsonInclude(JsonInclude.Include.NON_NULL) String weighting) {
        /** The weightings a progressive round may use. */
        public static final List<String> WEIGHTINGS = List.of("snr-trunc", "native");

        /** The methods. */
        public static final List<String> METHODS = List.of("progressive", "dmd2");

        public Distillation {
            if (!METHODS.contains(method)) {
                throw new org.diffusion4j.UnknownNameException("distillation.method", method, METHODS);
            }
            if (teacher == null || teacher.isBlank()) {
                throw new InvalidArgumentException("distillation.teacher is missing");
            }
            if (method.equals("dmd2")) {
                if (steps < 1 || teacherSteps != 0 || weighting != null) {
                    throw new InvalidArgumentException("a dmd2 distillation has steps ≥ 1, teacher_steps 0 and no "
                            + "weighting, got steps " + steps + ", teacher_steps " + teacherSteps + ", weighting "
                            + weighting);
                }
            } else if (steps < 1 || teacherSteps != 2 * steps) {
                throw new InvalidArgumentException("distillation.teacher_steps must be twice distillation.steps "
                        + "(at least 1), got " + teacherSteps + " and " + steps);
            } else if (!WEIGHTINGS.contains(weighting)) {
                throw new org.diffusion4j.UnknownNameException("distillation.weighting", weighting, WEIGHTINGS);
            }
        }
    }

    /**
     * Why this model is not a denoiser of a Gaussian process x_t = α·x_0 + σ·ε at every level — it is a phase-space,
     * non-linear-process or degraded-process model, or a DMD2 generator — naming the field that says so; null when
     * it is one.
     */
    public String notGaussian() {
        if (phaseSpace != null) {
            return "is a phase-space (PSLD) model (field phase_space is set)";
        }
        if (nonlinear != null) {
            return "is a non-linear-process model (field nonlinear is set)";
        }
        if (bridge != null) {
            return "is a bridge model (field bridge is set)";
        }
        if (speech != null) {
            return "is a text-to-speech model (field speech is set)";
        }
        if (restoration != null) {
            return "is a " + restoration.method() + " restoration model (field restoration is set)";
        }
        if (preconditioning.degradation() != null) {
            return "is a degraded-process model (field preconditioning.degradation = "
                    + preconditioning.degradation() + ")";
        }
        if (distillation != null && "dmd2".equals(distillation.method())) {
            return "is a DMD2 generator (field distillation.method = dmd2), not a denoiser of every noise level";
        }
        return null;
    }

    /** The same config with another step count. */
    public TrainingConfig withSteps(long steps) {
        return new TrainingConfig(name, data, network, preconditioning, time, optimization.withSteps(steps),
                sampling, lossWeight, phaseSpace, distillation, nonlinear, bridge, restoration, speech);
    }

    /** The config as JSON. */
    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes config.json-style JSON, atomically. */
    public void write(Path file) {
        AtomicFiles.writeString(file, toJson() + "\n");
    }

    /** Reads a config; errors name the file and the problem. */
    public static TrainingConfig read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new FileFormatException(file, "no such config file");
        }
        return parse(UserFiles.readText(file), file.toString());
    }

    /** Parses a config; {@code source} names it in errors. */
    public static TrainingConfig parse(String json, String source) {
        try {
            return JSON.readValue(json, TrainingConfig.class);
        } catch (JsonProcessingException e) {
            Throwable cause = e.getCause() instanceof DiffusionException ? e.getCause() : e;
            String message = cause instanceof DiffusionException ? cause.getMessage() : e.getOriginalMessage();
            throw new DiffusionException(source + ": invalid training config (" + message + ")");
        }
    }

    /** The fields (JSON paths) whose values differ between two configs. */
    public static List<String> differences(TrainingConfig a, TrainingConfig b) {
        List<String> out = new ArrayList<>();
        diff(JSON.valueToTree(a), JSON.valueToTree(b), "", out);
        return out;
    }

    private static void diff(JsonNode a, JsonNode b, String path, List<String> out) {
        if (a.isObject() && b.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> fields = a.fields();
            java.util.Set<String> seen = new java.util.HashSet<>();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> f = fields.next();
                seen.add(f.getKey());
                JsonNode other = b.get(f.getKey());
                String child = path.isEmpty() ? f.getKey() : path + "." + f.getKey();
                if (other == null) {
                    out.add(child + ": " + f.getValue() + " vs (absent)");
                } else {
                    diff(f.getValue(), other, child, out);
                }
            }
            b.fieldNames().forEachRemaining(name -> {
                if (!seen.contains(name)) {
                    out.add((path.isEmpty() ? name : path + "." + name) + ": (absent) vs " + b.get(name));
                }
            });
        } else if (!a.equals(b)) {
            out.add(path + ": " + a + " vs " + b);
        }
    }
}
