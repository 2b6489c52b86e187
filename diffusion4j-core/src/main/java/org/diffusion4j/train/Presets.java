package org.diffusion4j.train;

import java.util.List;
import java.util.stream.Stream;
import org.diffusion4j.UnknownNameException;
import org.diffusion4j.audio.AudioFeature;
import org.diffusion4j.bridge.BridgeSampler;
import org.diffusion4j.denoise.Preconditioning;
import org.diffusion4j.nn.NetworkConfig;
import org.diffusion4j.nonlinear.SineDriftProcess;
import org.diffusion4j.phase.PhaseSpaceModel;
import org.diffusion4j.phase.Psld;
import org.diffusion4j.restore.ImageBridge;
import org.diffusion4j.restore.RestorationModel;
import org.diffusion4j.tts.SpeechModel;
import org.diffusion4j.tts.Transcript;

/**
 * Ready-made training configs. The MNIST and Fashion-MNIST ones are sized for a two-core CPU: a class-conditional
 * U-Net of 16 base channels (multipliers 1-2-4, two blocks per level, attention at 7 × 7), batch 64.
 */
public final class Presets {
    /** The datasets the restoration presets exist for, each as {@code DATASET-METHOD-TASK} and {@code DATASET-prior}. */
    public static final List<String> RESTORATION_DATASETS = List.of("mnist", "fashion");

    /** The preset names. */
    public static final List<String> NAMES = Stream.concat(Stream.of("toy-2d", "mnist-edm", "mnist-eps",
            "mnist-flow", "fashion-edm", "mnist-blur", "mnist-saturation", "mnist-sit-linear", "mnist-sit-gvp",
            "mnist-psld", "mnist-psld-epsilon", "mnist-nonlinear", "mnist-dit-eps", "digits-mel-edm",
            "digits-complex-edm", "digits-tts-bridge", "digits-tts-diffusion"),
            RESTORATION_DATASETS.stream().flatMap(Presets::restorationNames)).toList();

    /**
     * Images of the dataset (the first of MNIST's 10 000, of Fashion-MNIST's 70 000) that restoration models train
     * on; the next ones are their held-out test inputs.
     */
    public static final int RESTORATION_TRAINING_IMAGES = 9000;

    private Presets() {}

    /** The preset called {@code name}. */
    public static TrainingConfig named(String name) {
        return switch (name) {
            case "toy-2d" -> toy2d();
            case "mnist-edm" -> image("mnist-edm", "mnist", Preconditioning.edm("edm", 0.5),
                    new TimeDistribution.LogNormal(-1.2, 1.2));
            case "mnist-eps" -> image("mnist-eps", "mnist", new Preconditioning("vp", "epsilon", 1, false, "time"),
                    new TimeDistribution.Uniform(1e-5, 1));
            case "mnist-flow" -> image("mnist-flow", "mnist", Preconditioning.predicting("linear", "velocity", 0.5),
                    new TimeDistribution.LogitNormal(0, 1));
            case "fashion-edm" -> image("fashion-edm", "fashion", Preconditioning.edm("edm", 0.5),
                    new TimeDistribution.LogNormal(-1.2, 1.2));
            case "mnist-blur" -> degraded(named("mnist-edm"), "mnist-blur", "blur");
            case "mnist-saturation" -> degraded(named("mnist-edm"), "mnist-saturation", "saturation");
            case "mnist-sit-linear" -> sit("mnist-sit-linear", "linear");
            case "mnist-sit-gvp" -> sit("mnist-sit-gvp", "gvp");
            case "mnist-psld" -> psld("mnist-psld", new Preconditioning("vp", "edm", 0.5, false, "time"));
            case "mnist-psld-epsilon" -> psld("mnist-psld-epsilon",
                    new Preconditioning("vp", "epsilon", 1, false, "time"));
            case "mnist-nonlinear" -> nonlinear();
            case "mnist-dit-eps" -> dit("mnist-dit-eps", new Preconditioning("vp", "epsilon", 1, false, "time"),
                    new TimeDistribution.Uniform(1e-5, 1));
            case "digits-mel-edm" -> audio("digits-mel-edm", AudioFeature.parse("mel"),
                    new NetworkConfig.UNet(1, 32, 16, List.of(1, 2, 4), 2, List.of(8), 0.1, 10));
            case "digits-complex-edm" -> audio("digits-complex-edm", AudioFeature.parse("complex"),
                    new NetworkConfig.UNet(2, 64, 16, List.of(1, 2, 2, 4), 2, List.of(8), 0.1, 10));
            case "digits-tts-bridge" -> speech("digits-tts-bridge", new SpeechModel("bridge", "gmax"),
                    Preconditioning.edm("edm", 0.5),
                    new TimeDistribution.Uniform(BridgeSampler.OFFSET, 1 - BridgeSampler.OFFSET), "bridge-sde");
            case "digits-tts-diffusion" -> speech("digits-tts-diffusion", new SpeechModel("diffusion", null),
                    new Preconditioning("vp:beta_min=0.05,beta_max=20", "epsilon", 1, false, "time"),
                    new TimeDistribution.Uniform(1e-5, 1), "euler");
            default -> {
                if (!NAMES.contains(name)) {
                    throw new UnknownNameException("preset", name, NAMES);
                }
                yield restorationPreset(name);
            }
        };
    }

    /**
     * {@code DATASET-prior}, {@code DATASET-METHOD-TASK} with METHOD bridge, cond or mmse and TASK sr4, inpaint,
     * denoise or deblur, and {@code DATASET-METHOD-TASK-robust} for every method on 4× super-resolution and
     * inpainting.
     */
    private static Stream<String> restorationNames(String dataset) {
        Stream<String> models = Stream.of("bridge", "cond", "mmse").flatMap(method -> Stream.of("sr4", "inpaint",
                "denoise", "deblur").map(task -> dataset + "-" + method + "-" + task));
        Stream<String> robust = Stream.of("bridge", "cond", "mmse")
                .flatMap(method -> Stream.of("sr4", "inpaint").map(task -> dataset + "-" + method + "-" + task
                        + "-robust"));
        return Stream.of(Stream.of(dataset + "-prior"), models, robust).flatMap(s -> s);
    }

    private static TrainingConfig restorationPreset(String name) {
        if (name.endsWith("-robust")) {
            return robust(named(name.substring(0, name.length() - "-robust".length())));
        }
        String[] parts = name.split("-");
        String dataset = parts[0];
        if (parts[1].equals("prior")) {
            return prior(name, dataset);
        }
        String task = parts[2];
        return switch (parts[1]) {
            case "bridge" -> bridge(name, dataset, new ImageBridge("gmax", task));
            case "cond" -> conditional(name, dataset, task);
            default -> regression(name, dataset, task);
        };
    }

    /** The bundled eight-Gaussian mixture, a residual MLP, EDM preconditioning: about a minute on two cores. */
    private static TrainingConfig toy2d() {
        return new TrainingConfig("toy-2d",
                new TrainingConfig.Data("gmm", "eight-gaussians", 20000, 0, 0, false, List.of(2)),
                new NetworkConfig.Mlp(2, 128, 3, 32, 0),
                Preconditioning.edm("edm", 1.5),
                new TimeDistribution.LogNormal(-0.6, 1.5),
                new TrainingConfig.Optimization(512, 3000, 1e-3, 200, 0.9, 0.999, 1e-8, 0, 1.0, 200_000, 0.1, 0,
                        0, 500, 1000, 50),
                new TrainingConfig.Sampling("heun", 18, 0.002, 80, 7, 1000));
    }

    /** {@code base} on its process degraded by {@code spec}, sampled by restoration–degradation steps. */
    private static TrainingConfig degraded(TrainingConfig base, String name, String spec) {
        TrainingConfig.Sampling s = base.sampling();
        return new TrainingConfig(name, base.data(), base.network(), base.preconditioning().withDegradation(spec),
                base.time(), base.optimization(),
                new TrainingConfig.Sampling("degradation-ddim", 2 * s.steps(), s.sigmaMin(), s.sigmaMax(), s.rho(),
                        s.previews()),
                base.lossWeight());
    }

    /**
     * SiT on MNIST: a class-conditional DiT (4×4 patches, so 49 tokens of width 192, six blocks of four heads)
     * trained to predict the velocity of the {@code interpolant} with t uniform on [0, 1] (SiT's training), with
     * AdamW at 3·10⁻⁴ and the label dropped 10% of the time for guidance. Unlike SiT's code, which feeds x_t and t
     * as they are, the network sees EDM's scaled input and noise label ¼·ln σ̃.
     */
    private static TrainingConfig sit(String name, String interpolant) {
        return dit(name, Preconditioning.predicting(interpolant, "velocity", 0.5), new TimeDistribution.Uniform(0, 1));
    }

    /**
     * The class-conditional 4×4-patch, width-192, depth-6, 4-head DiT on MNIST with learning rate 3·10⁻⁴ and
     * everything else as the U-Net presets: as SiT ({@code mnist-sit-linear}: linear path, velocity) or as DiT
     * ({@code mnist-dit-eps}: VP, ε-prediction, t uniform, DDPM's noise label 999·t), the same backbone and budget.
     */
    private static TrainingConfig dit(String name, Preconditioning preconditioning, TimeDistribution time) {
        TrainingConfig base = image(name, "mnist", preconditioning, time);
        TrainingConfig.Optimization o = base.optimization();
        return new TrainingConfig(name, base.data(), new NetworkConfig.Dit(1, 28, 4, 192, 6, 4, 10),
                base.preconditioning(), base.time(),
                new TrainingConfig.Optimization(o.batch(), o.steps(), 3e-4, o.warmupSteps(), o.beta1(), o.beta2(),
                        o.epsilon(), o.weightDecay(), o.gradientClip(), o.emaHalfLifeImages(), o.emaRampUp(),
                        o.classDropout(), o.seed(), o.checkpointEvery(), o.sampleEvery(), o.logEvery()),
                base.sampling());
    }

    /**
     * PSLD on MNIST (Pandey &amp; Mandt 2023, their CIFAR-10 settings: Γ = 0.02, β = 8, critically damped, γM = 0.01):
     * the same U-Net with two channels in and out ([x, m] to ε), noise label 999·t, t uniform on [10⁻³, 1] (PSLD
     * samples down to 10⁻³), previews by the reduced velocity Verlet splitting. {@code mnist-psld} outputs the mixed
     * score's residual ({@code edm}, σ_d = 0.5), {@code mnist-psld-epsilon} ε itself as in PSLD's code.
     */
    private static TrainingConfig psld(String name, Preconditioning preconditioning) {
        TrainingConfig base = image(name, "mnist", preconditioning,
                new TimeDistribution.Uniform(PhaseSpaceModel.END, 1));
        TrainingConfig.Sampling s = base.sampling();
        return new TrainingConfig(base.name(), base.data(),
                new NetworkConfig.UNet(2, 28, 16, List.of(1, 2, 4), 2, List.of(7), 0.1, 10), base.preconditioning(),
                base.time(), base.optimization(),
                new TrainingConfig.Sampling("rvv", 25, s.sigmaMin(), s.sigmaMax(), s.rho(), s.previews()), null,
                Psld.criticallyDamped(0.02, 8));
    }

    /**
     * MNIST on the non-linear process dX = −(X + ½ sin 2X) dt + √2 dB ({@link SineDriftProcess#mnist}): the same U-Net
     * with two output heads (score and data), times uniform over the process's 128 tabulated times, previews by
     * {@code degradation-ddim} in 50 steps (the sampler that measured best on it; docs/seed-methods.md). The
     * preconditioning only sets the time domain [0, 1] the trainer draws u from.
     */
    private static TrainingConfig nonlinear() {
        TrainingConfig base = image("mnist-nonlinear", "mnist", new Preconditioning("vp", "epsilon", 1, false, "time"),
                new TimeDistribution.Uniform(0, 1));
        TrainingConfig.Sampling s = base.sampling();
        return new TrainingConfig(base.name(), base.data(),
                new NetworkConfig.UNet(1, 28, 16, List.of(1, 2, 4), 2, List.of(7), 0.1, 10, 2), base.preconditioning(),
                base.time(), base.optimization(),
                new TrainingConfig.Sampling("degradation-ddim", 50, s.sigmaMin(), s.sigmaMax(), s.rho(), s.previews()),
                null, null, null, SineDriftProcess.mnist());
    }

    /**
     * A Bridge-TTS bridge (g_max schedule) on the dataset from the task's prior to the clean image: the same U-Net taking
     * [x_t, x₁] (two channels) and returning x̂₀ (one), unconditional, t uniform on [10⁻⁵, 1 − 10⁻⁵] (Bridge-TTS's
     * offset), previews by the bridge SDE in 50 steps on 10 training digits. Trained on the first
     * {@link #RESTORATION_TRAINING_IMAGES} images for 4000 steps, the budget every restoration preset shares.
     */
    private static TrainingConfig bridge(String name, String dataset, ImageBridge bridge) {
        TrainingConfig base = restoration(image(name, dataset, Preconditioning.edm("edm", 0.5),
                new TimeDistribution.Uniform(BridgeSampler.OFFSET, 1 - BridgeSampler.OFFSET)));
        TrainingConfig.Sampling s = base.sampling();
        return new TrainingConfig(base.name(), base.data(),
                new NetworkConfig.UNet(2, 28, 16, List.of(1, 2, 4), 2, List.of(7), 0.1, 0, 1), base.preconditioning(),
                base.time(), base.optimization(),
                new TrainingConfig.Sampling("bridge-sde", 50, s.sigmaMin(), s.sigmaMax(), s.rho(), 10), null, null, null,
                null, bridge);
    }

    /**
     * A diffusion model of the dataset given the task's observation (SR3's conditioning) under EDM's preconditioning and
     * training times: the same U-Net taking [c_in·x_t, x₁] (two channels) and returning one, unconditional on the
     * class, previews by Heun in 18 steps; the restoration presets' data and budget.
     */
    private static TrainingConfig conditional(String name, String dataset, String task) {
        TrainingConfig base = restoration(edm(dataset));
        TrainingConfig.Sampling s = base.sampling();
        return new TrainingConfig(name, base.data(),
                new NetworkConfig.UNet(2, 28, 16, List.of(1, 2, 4), 2, List.of(7), 0.1, 0, 1), base.preconditioning(),
                base.time(), base.optimization(),
                new TrainingConfig.Sampling(s.sampler(), s.steps(), s.sigmaMin(), s.sigmaMax(), s.rho(), 10), null,
                null, null, null, null, new RestorationModel("conditional", task));
    }

    /**
     * The MMSE regressor of the task on the dataset: the same U-Net mapping the prior x₁ to x̂ (one channel in and out,
     * noise label 0), trained with the squared error; the restoration presets' data and budget.
     */
    private static TrainingConfig regression(String name, String dataset, String task) {
        TrainingConfig base = restoration(edm(dataset));
        TrainingConfig.Sampling s = base.sampling();
        return new TrainingConfig(name, base.data(),
                new NetworkConfig.UNet(1, 28, 16, List.of(1, 2, 4), 2, List.of(7), 0.1, 0, 1), base.preconditioning(),
                base.time(), base.optimization(),
                new TrainingConfig.Sampling("regression", 1, s.sigmaMin(), s.sigmaMax(), s.rho(), 10), null, null, null,
                null, null, new RestorationModel("regression", task));
    }

    /**
     * The unconditional prior of zero-shot restoration (DPS, DDRM): {@code mnist-edm}'s (or {@code fashion-edm}'s)
     * U-Net without classes, on the restoration presets' data and budget, so that it has not seen their test images.
     */
    private static TrainingConfig prior(String name, String dataset) {
        TrainingConfig base = restoration(edm(dataset));
        return new TrainingConfig(name, base.data(),
                new NetworkConfig.UNet(1, 28, 16, List.of(1, 2, 4), 2, List.of(7), 0.1, 0), base.preconditioning(),
                base.time(), base.optimization(), base.sampling());
    }

    /**
     * The adversarially trained ("robustified") version of a restoration preset, meant to fine-tune its trained model
     * ({@code d4j train --init RUN}): ε = 16/255 in the images' [−1, 1] (8/255 of [0, 1], the largest attack measured),
     * three ascent steps, penalty weight 1; 500 steps of batch 32 at learning rate 10⁻⁴ after 50 warm-up steps.
     */
    private static TrainingConfig robust(TrainingConfig base) {
        RestorationModel.Robustness robustness = new RestorationModel.Robustness(16.0 / 255, 3, 1.0);
        ImageBridge b = base.bridge();
        RestorationModel r = base.restoration();
        TrainingConfig.Optimization o = base.optimization();
        return new TrainingConfig(base.name() + "-robust", base.data(), base.network(), base.preconditioning(),
                base.time(), new TrainingConfig.Optimization(32, 500, 1e-4, 50, o.beta1(), o.beta2(), o.epsilon(),
                        o.weightDecay(), o.gradientClip(), o.emaHalfLifeImages(), o.emaRampUp(), o.classDropout(),
                        o.seed(), 100, 500, 10),
                base.sampling(), null, null, null, null,
                b == null ? null : new ImageBridge(b.schedule(), b.task(), robustness),
                r == null ? null : new RestorationModel(r.method(), r.task(), robustness));
    }

    /** {@code mnist-edm} or {@code fashion-edm}: the restoration presets' starting point. */
    private static TrainingConfig edm(String dataset) {
        return named(dataset + "-edm");
    }

    /** {@code base} on the first {@link #RESTORATION_TRAINING_IMAGES} images for 4000 steps. */
    private static TrainingConfig restoration(TrainingConfig base) {
        TrainingConfig.Data d = base.data();
        return new TrainingConfig(base.name(), new TrainingConfig.Data(d.source(), d.path(),
                RESTORATION_TRAINING_IMAGES, d.channels(), d.resolution(), d.flip(), d.sampleShape()), base.network(),
                base.preconditioning(), base.time(), base.optimization().withSteps(4000), base.sampling());
    }

    /**
     * EDM on the spoken digits' spectrograms ({@code complex} is EDMSound's domain; {@code mel} with Griffin–Lim is the
     * cascade EDMSound argues against): an EDM-preconditioned, class-conditional (the digit) U-Net on the training
     * speakers' clips as {@code feature}'s images, 8000 steps of 64. The features' defaults: ~0.5 s clips (4032 samples
     * at 8 kHz); {@code mel} 32 log-mel bands × 32 frames (n_fft 256, hop 128) scaled so that [10⁻⁵, 100] maps to
     * [−1, 1]; {@code complex} 64 bins × 64 frames (n_fft 128, hop 64) of the STFT compressed as |c|^½ (real,
     * imaginary), whose values have a standard deviation of 0.45 on the training clips, near σ_data = 0.5.
     */
    private static TrainingConfig audio(String name, AudioFeature feature, NetworkConfig.UNet network) {
        TrainingConfig base = image(name, "mnist", Preconditioning.edm("edm", 0.5),
                new TimeDistribution.LogNormal(-1.2, 1.2));
        return new TrainingConfig(name,
                new TrainingConfig.Data("spoken-digits", feature.spec(), 0, 0, 0, false, feature.shape()), network,
                base.preconditioning(), base.time(), base.optimization().withSteps(8000), base.sampling());
    }

    /**
     * Text-to-speech on the spoken digits' log-mel images (the {@code mel} feature, 1×32×32): a speech network whose
     * character encoder (16-dimensional letters, an MLP of width 256) gives each digit's word a prior μ and whose
     * decoder is the restoration presets' U-Net at 32×32 taking [x, μ], 4000 steps of 64, no label dropout (there
     * is no null word). {@code digits-tts-bridge}: Bridge-TTS's g_max bridge from μ, previews by the bridge SDE in
     * 50 steps; {@code digits-tts-diffusion}: Grad-TTS's process (VP, β from 0.05 to 20, ε-prediction, t uniform on
     * [10⁻⁵, 1]) on the residual, previews by Euler in 50 steps.
     */
    private static TrainingConfig speech(String name, SpeechModel model, Preconditioning preconditioning,
            TimeDistribution time, String sampler) {
        AudioFeature feature = AudioFeature.parse("mel");
        TrainingConfig base = image(name, "mnist", preconditioning, time);
        TrainingConfig.Optimization o = base.optimization().withSteps(4000);
        TrainingConfig.Sampling s = base.sampling();
        return new TrainingConfig(name,
                new TrainingConfig.Data("spoken-digits", feature.spec(), 0, 0, 0, false, feature.shape()),
                new NetworkConfig.Speech(Transcript.DIGITS, 16, 256,
                        new NetworkConfig.UNet(2, 32, 16, List.of(1, 2, 4), 2, List.of(8), 0.1, 0, 1)),
                preconditioning, time,
                new TrainingConfig.Optimization(o.batch(), o.steps(), o.learningRate(), o.warmupSteps(), o.beta1(),
                        o.beta2(), o.epsilon(), o.weightDecay(), o.gradientClip(), o.emaHalfLifeImages(),
                        o.emaRampUp(), 0, o.seed(), o.checkpointEvery(), o.sampleEvery(), o.logEvery(),
                        o.learningRateDecay()),
                new TrainingConfig.Sampling(sampler, 50, s.sigmaMin(), s.sigmaMax(), s.rho(), 10), null, null, null,
                null, null, null, model);
    }

    private static TrainingConfig image(String name, String dataset, Preconditioning preconditioning,
            TimeDistribution time) {
        return new TrainingConfig(name,
                new TrainingConfig.Data(dataset, "", 0, 1, 28, false, List.of(1, 28, 28)),
                new NetworkConfig.UNet(1, 28, 16, List.of(1, 2, 4), 2, List.of(7), 0.1, 10),
                preconditioning, time,
                new TrainingConfig.Optimization(64, 12_000, 5e-4, 500, 0.9, 0.999, 1e-8, 0, 1.0, 100_000, 0.05,
                        0.1, 0, 500, 2500, 50),
                new TrainingConfig.Sampling("heun", 18, 0.002, 80, 7, 100));
    }
}
