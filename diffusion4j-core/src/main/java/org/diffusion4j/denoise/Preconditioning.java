package org.diffusion4j.denoise;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.SpecOptions;
import org.diffusion4j.UnknownNameException;
import org.diffusion4j.backend.Differentiable;
import org.diffusion4j.backend.NativeArrays;
import org.diffusion4j.backend.Scalars;
import org.diffusion4j.degradation.Degradation;
import org.diffusion4j.degradation.Degradations;
import org.diffusion4j.process.NoiseSchedule;
import org.diffusion4j.process.Schedules;

/**
 * How a network F becomes a denoiser of a process, and what it is trained to output (Karras et al. 2022, eq. 7 and
 * Table 1): the network sees {@code c_in·x_t} and the noise label {@code c_noise}; its output F gives
 * {@code x̂_0 = toData(F, x_t)}; training regresses F onto {@code target(x_0, x_t)}. Training and sampling share
 * this one object, so they always agree.
 *
 * <ul>
 *   <li>{@code edm}: EDM's preconditioning in the EDM view of any process: with x̃ = x_t/α and σ̃ = σ/α,
 *       {@code x̂_0 = c_skip·x̃ + c_out·F}, c_skip = σ_d²/(σ̃² + σ_d²), c_out = σ̃σ_d/√(σ̃² + σ_d²),
 *       c_in = 1/√(σ̃² + σ_d²), c_noise = ¼·ln σ̃; target (x_0 − c_skip·x̃)/c_out, whose plain MSE is EDM's loss
 *       λ(σ)‖D − x_0‖² with λ = (σ² + σ_d²)/(σσ_d)² = 1/c_out².</li>
 *   <li>a {@link Parameterization} (ε, x_0, v, flow velocity, score): F predicts that quantity; input
 *       {@code x_t/√(σ² + α²σ_d²)} (unit variance for data of variance σ_d²) or unscaled; noise label ¼·ln σ̃,
 *       999·t (or (N − 1)·t), ln(σ̃/2), t itself or σ̃ itself. EDM's "VP" and "VE" configurations are
 *       ε-prediction with the labels (M − 1)·t and ln(σ/2) (EDM writes the VE output as −ε; the sign is absorbed
 *       by the zero-initialized output layer).</li>
 * </ul>
 *
 * <p>The names are resolved once, when the object is built or read from a config: it keeps the schedule, the
 * parameterization, the noise label and the degradation operator, so no call parses a string. In JSON it is the six
 * named values with snake_case keys, {@code degradation} omitted when null (a run's {@code config.json}).
 */
@Differentiable
public final class Preconditioning {
    /** The predictions a network can be trained for: a {@link Parameterization} in lower case, or {@code edm}. */
    public static final List<String> PREDICTIONS = List.of("epsilon", "data", "v", "velocity", "score", "edm");

    private final String process;
    private final String prediction;
    private final double sigmaData;
    private final boolean scaleInput;
    private final String noiseLabel;
    private final String degradation;

    private final NoiseSchedule schedule;
    /** The network's target, null for {@code edm}. */
    private final Parameterization parameterization;
    private final NoiseLabel label;
    private final Degradation degradationOperator;

    /** The noise labels c_noise by spec. */
    private static final Map<String, Function<SpecOptions, NoiseLabel>> LABELS = labels();

    /** A noise label c_noise: a function of the time t and its EDM level σ̃. */
    @FunctionalInterface
    private interface NoiseLabel {
        /** The label at time t, whose EDM level is {@code edmSigma}. */
        double of(double t, double edmSigma);
    }

    private static Map<String, Function<SpecOptions, NoiseLabel>> labels() {
        Map<String, Function<SpecOptions, NoiseLabel>> f = new LinkedHashMap<>();
        f.put("log-sigma", o -> (t, s) -> 0.25 * Math.log(s));
        f.put("time", o -> {
            int steps = o.integer("steps", 1000);
            if (steps < 2) {
                throw new InvalidArgumentException("noise label time: steps must be at least 2, got " + steps);
            }
            return (t, s) -> (steps - 1) * t;
        });
        f.put("log-half-sigma", o -> (t, s) -> Math.log(s / 2));
        f.put("t", o -> (t, s) -> t);
        f.put("sigma", o -> (t, s) -> s);
        return f;
    }

    /**
     * A preconditioning; names that no schedule, prediction, noise label or degradation has are refused here.
     *
     * @param process the process name ({@link Schedules})
     * @param prediction {@code edm} or a {@link Parameterization} in lower case
     * @param sigmaData σ_d, the data's standard deviation
     * @param scaleInput whether the input is scaled to unit variance
     * @param noiseLabel {@code log-sigma} (¼·ln σ̃), {@code time} (999·t, as DDPM's integer steps;
     *     {@code time:steps=N} for (N − 1)·t), {@code log-half-sigma} (ln(σ̃/2)), {@code t} (the process's own time:
     *     on a discrete chain its fractional timestep index) or {@code sigma} (σ̃ itself, as EDM's preconditioned
     *     denoisers take it)
     * @param degradation a {@link Degradations} spec: the process corrupts {@code x_0} to
     *     {@code α·A_σ̃(x_0) + σ·ε} and the network restores x_0 ({@code edm} or {@code data} prediction only);
     *     null (the default, omitted from JSON) for the plain Gaussian process
     */
    @JsonCreator
    public Preconditioning(@JsonProperty("process") String process, @JsonProperty("prediction") String prediction,
            @JsonProperty("sigma_data") double sigmaData, @JsonProperty("scale_input") boolean scaleInput,
            @JsonProperty("noise_label") String noiseLabel, @JsonProperty("degradation") String degradation) {
        this.schedule = Schedules.byName(process);
        if (!PREDICTIONS.contains(prediction)) {
            throw new UnknownNameException("prediction", prediction, PREDICTIONS);
        }
        this.parameterization = prediction.equals("edm") ? null
                : SpecOptions.enumByName("prediction", prediction, Parameterization.class);
        if (!(sigmaData > 0)) {
            throw new InvalidArgumentException("sigma_data must be positive, got " + sigmaData);
        }
        this.label = SpecOptions.create("noise label", noiseLabel, LABELS);
        this.degradationOperator = Degradations.parse(degradation == null ? "none" : degradation);
        if (!degradationOperator.isIdentity() && !(prediction.equals("edm") || prediction.equals("data"))) {
            throw new InvalidArgumentException("a degraded process needs the network to restore x_0 (prediction edm "
                    + "or data), got prediction " + prediction);
        }
        this.process = process;
        this.prediction = prediction;
        this.sigmaData = sigmaData;
        this.scaleInput = scaleInput;
        this.noiseLabel = noiseLabel;
        this.degradation = degradation;
    }

    /** The Gaussian process (no degradation). */
    public Preconditioning(String process, String prediction, double sigmaData, boolean scaleInput,
            String noiseLabel) {
        this(process, prediction, sigmaData, scaleInput, noiseLabel, null);
    }

    /** The process name ({@link Schedules}). */
    @JsonProperty("process")
    public String process() {
        return process;
    }

    /** {@code edm} or a {@link Parameterization} in lower case. */
    @JsonProperty("prediction")
    public String prediction() {
        return prediction;
    }

    /** σ_d, the data's standard deviation. */
    @JsonProperty("sigma_data")
    public double sigmaData() {
        return sigmaData;
    }

    /** Whether the input is scaled to unit variance. */
    @JsonProperty("scale_input")
    public boolean scaleInput() {
        return scaleInput;
    }

    /** {@code log-sigma}, {@code time[:steps=N]}, {@code log-half-sigma}, {@code t} or {@code sigma}. */
    @JsonProperty("noise_label")
    public String noiseLabel() {
        return noiseLabel;
    }

    /** The {@link Degradations} spec of the process; null for the plain Gaussian process. */
    @JsonProperty("degradation")
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public String degradation() {
        return degradation;
    }

    /** The same preconditioning on the process degraded by {@code spec}. */
    public Preconditioning withDegradation(String spec) {
        return new Preconditioning(process, prediction, sigmaData, scaleInput, noiseLabel,
                Degradations.parse(spec).spec());
    }

    /** The degradation A of the process ({@link org.diffusion4j.degradation.Identity} for the Gaussian one). */
    @JsonIgnore
    public Degradation degradationOperator() {
        return degradationOperator;
    }

    /** {@code A_σ̃(x_0)} with each sample at the EDM level of its time; x_0 itself for the Gaussian process. */
    public NDArray degrade(NDArray x0, double[] t) {
        if (degradationOperator.isIdentity()) {
            return x0;
        }
        return degradationOperator.apply(x0, Arrays.stream(t).map(schedule::edmSigma).toArray());
    }

    /** EDM's preconditioning on {@code process}. */
    public static Preconditioning edm(String process, double sigmaData) {
        return new Preconditioning(process, "edm", sigmaData, true, "log-sigma");
    }

    /** Prediction of {@code prediction} ({@code epsilon}, {@code data}, {@code v}, {@code velocity}, {@code score}). */
    public static Preconditioning predicting(String process, String prediction, double sigmaData) {
        return new Preconditioning(process, prediction, sigmaData, true, "log-sigma");
    }

    /** The schedule of the process. */
    @JsonIgnore
    public NoiseSchedule schedule() {
        return schedule;
    }

    /** EDM-view σ̃ = σ/α as an array shaped like the coefficients. */
    private static NDArray edmSigma(ProcessCoefficients c) {
        return c.sigma().div(c.alpha());
    }

    /** 1/√(σ̃² + σ_d²), the EDM-view input scale. */
    private NDArray edmInputScale(ProcessCoefficients c) {
        NDArray s = edmSigma(c);
        return s.mul(s).add(Scalars.of(s, sigmaData * sigmaData)).sqrt().pow(Scalars.of(s, -1));
    }

    /** The network's input c_in·x_t. */
    public NDArray input(NDArray xt, ProcessCoefficients c) {
        if (!scaleInput) {
            return xt;
        }
        // x_t/√(σ² + α²σ_d²) = (x_t/α)·c_in(σ̃): the same scale in process and EDM coordinates
        return xt.div(c.alpha()).mul(edmInputScale(c));
    }

    /** The noise label c_noise, one per sample (shape (B)), for times {@code t}, in the dtype of {@code like}. */
    public NDArray noiseLabel(double[] t, NDArray like) {
        double[] labels = new double[t.length];
        for (int i = 0; i < t.length; i++) {
            labels[i] = label.of(t[i], schedule.edmSigma(t[i]));
        }
        return NativeArrays.of(like.getManager(), labels, new Shape(t.length), like.getDataType());
    }

    /** EDM's c_skip = σ_d²/(σ̃² + σ_d²) and c_out = σ̃σ_d/√(σ̃² + σ_d²) at the coefficients' levels. */
    private record EdmScales(NDArray skip, NDArray out) {}

    private EdmScales edmScales(ProcessCoefficients c) {
        NDArray s = edmSigma(c);
        NDArray d2 = Scalars.of(s, sigmaData * sigmaData);
        NDArray norm = s.mul(s).add(d2);
        return new EdmScales(d2.div(norm), s.mul(Scalars.of(s, sigmaData)).div(norm.sqrt()));
    }

    /** The data estimate x̂_0 from the network output F at x_t. */
    public NDArray toData(NDArray output, NDArray xt, ProcessCoefficients c) {
        if (parameterization != null) {
            return parameterization.toData(output, xt, c);
        }
        EdmScales scales = edmScales(c);
        return xt.div(c.alpha()).mul(scales.skip()).add(output.mul(scales.out()));
    }

    /** The output F* the network should give at x_t for data x_0. */
    public NDArray target(NDArray x0, NDArray xt, ProcessCoefficients c) {
        if (parameterization != null) {
            return parameterization.fromData(x0, xt, c);
        }
        EdmScales scales = edmScales(c);
        return x0.sub(xt.div(c.alpha()).mul(scales.skip())).div(scales.out());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Preconditioning p && process.equals(p.process) && prediction.equals(p.prediction)
                && Double.compare(sigmaData, p.sigmaData) == 0 && scaleInput == p.scaleInput
                && noiseLabel.equals(p.noiseLabel) && Objects.equals(degradation, p.degradation);
    }

    @Override
    public int hashCode() {
        return Objects.hash(process, prediction, sigmaData, scaleInput, noiseLabel, degradation);
    }

    @Override
    public String toString() {
        return "Preconditioning[process=" + process + ", prediction=" + prediction + ", sigmaData=" + sigmaData
                + ", scaleInput=" + scaleInput + ", noiseLabel=" + noiseLabel + ", degradation=" + degradation + "]";
    }
}
