package org.diffusion4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.List;
import java.util.Map;
import org.diffusion4j.InvalidArgumentException;

/** Everything needed to rebuild a network: its kind and sizes. Serialized in a run's config.json. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({@JsonSubTypes.Type(value = NetworkConfig.Mlp.class, name = "mlp"),
    @JsonSubTypes.Type(value = NetworkConfig.UNet.class, name = "unet"),
    @JsonSubTypes.Type(value = NetworkConfig.Dit.class, name = "dit"),
    @JsonSubTypes.Type(value = NetworkConfig.Speech.class, name = "speech")})
public sealed interface NetworkConfig {

    /** Number of classes (0: unconditional); label {@code classes} is the null class of guidance. */
    int classes();

    /** Shape of one sample, e.g. [2] or [1, 28, 28]. */
    List<Integer> sampleShape();

    /** Builds the network with weights from {@code weights}. */
    Network build(Weights weights);

    /** A network with fresh weights from {@code seed}. */
    default Network initialize(NDManager manager, DataType type, long seed) {
        return build(Weights.initialize(manager, type, seed));
    }

    /** A network with the given weights (a checkpoint); {@code what} names their origin in errors. */
    default Network load(Map<String, NDArray> arrays, NDManager manager, DataType type, String what) {
        return build(Weights.from(arrays, manager, type, what));
    }

    /**
     * A residual MLP for low-dimensional data: Fourier features of c_noise (and a class embedding) concatenated to
     * the input, a linear layer, {@code blocks} residual blocks of width {@code width} (SiLU, linear, plus a linear
     * map of the embedding, SiLU, linear), a zero-initialized output layer.
     */
    record Mlp(int dimension, int width, int blocks, int embedding, int classes) implements NetworkConfig {
        public Mlp {
            if (dimension < 1 || width < 1 || blocks < 0 || embedding < 2 || embedding % 2 != 0 || classes < 0) {
                throw new InvalidArgumentException("invalid MLP sizes: dimension " + dimension + ", width " + width
                        + ", blocks " + blocks + ", embedding " + embedding + " (even), classes " + classes);
            }
        }

        @Override
        public List<Integer> sampleShape() {
            return List.of(dimension);
        }

        @Override
        public Network build(Weights weights) {
            return new MlpNetwork(this, weights);
        }
    }

    /**
     * A U-Net in the DDPM++/EDM style: residual blocks with GroupNorm, SiLU, dropout and the noise embedding applied
     * as scale and shift; self-attention at the listed resolutions; {@code multipliers} set the channels per level
     * ({@code channels·m}), each level but the last halving the resolution. The output has the input's channels unless
     * {@code output_channels} says otherwise (a model with two heads, e.g. score and data for a non-linear process).
     */
    record UNet(int imageChannels, int resolution, int channels, List<Integer> multipliers, int blocks,
            List<Integer> attentionResolutions, double dropout, int classes,
            @JsonInclude(JsonInclude.Include.NON_NULL) Integer outputChannels) implements NetworkConfig {
        public UNet {
            multipliers = List.copyOf(multipliers);
            attentionResolutions = List.copyOf(attentionResolutions);
            if (imageChannels < 1 || resolution < 4 || channels < 4 || multipliers.isEmpty() || blocks < 1
                    || !(dropout >= 0 && dropout < 1) || classes < 0) {
                throw new InvalidArgumentException("invalid U-Net configuration: " + channels + " channels, "
                        + multipliers + " multipliers, " + blocks + " blocks, dropout " + dropout);
            }
            if (outputChannels != null && outputChannels < 1) {
                throw new InvalidArgumentException("network.output_channels must be at least 1 (or absent: as many as "
                        + "the input), got " + outputChannels);
            }
            if (resolution % (1 << (multipliers.size() - 1)) != 0) {
                throw new InvalidArgumentException("resolution " + resolution + " cannot be halved "
                        + (multipliers.size() - 1) + " times");
            }
        }

        @Override
        public List<Integer> sampleShape() {
            return List.of(imageChannels, resolution, resolution);
        }

        /** A U-Net whose output has as many channels as its input. */
        public UNet(int imageChannels, int resolution, int channels, List<Integer> multipliers, int blocks,
                List<Integer> attentionResolutions, double dropout, int classes) {
            this(imageChannels, resolution, channels, multipliers, blocks, attentionResolutions, dropout, classes,
                    null);
        }

        /** The output's channels: {@code output_channels}, or the input's when absent. */
        public int outputs() {
            return outputChannels == null ? imageChannels : outputChannels;
        }

        @Override
        public Network build(Weights weights) {
            return new UNetNetwork(this, weights);
        }
    }

    /**
     * A diffusion transformer (DiT, Peebles &amp; Xie 2023; SiT's backbone): {@code patch}×{@code patch} patches as
     * tokens of width {@code hidden}, {@code depth} adaLN-Zero blocks of {@code heads}-head attention and a 4×
     * MLP. DiT-S/2 is {@code hidden} 384, {@code depth} 12, {@code heads} 6, {@code patch} 2.
     */
    record Dit(int imageChannels, int resolution, int patch, int hidden, int depth, int heads, int classes)
            implements NetworkConfig {
        public Dit {
            if (imageChannels < 1 || patch < 1 || depth < 1 || heads < 1 || classes < 0) {
                throw new InvalidArgumentException("invalid DiT configuration: " + imageChannels + " channels, patch "
                        + patch + ", depth " + depth + ", " + heads + " heads, " + classes + " classes");
            }
            if (resolution % patch != 0) {
                throw new InvalidArgumentException("DiT patch size " + patch + " does not divide the resolution "
                        + resolution);
            }
            if (hidden % heads != 0 || hidden % 4 != 0) {
                throw new InvalidArgumentException("DiT width " + hidden + " must be a multiple of 4 and of the "
                        + heads + " heads");
            }
        }

        @Override
        public List<Integer> sampleShape() {
            return List.of(imageChannels, resolution, resolution);
        }

        @Override
        public Network build(Weights weights) {
            return new DitNetwork(this, weights);
        }
    }

    /**
     * A text-to-speech network ({@link SpeechNetwork}): a character encoder that spells each word of
     * {@code vocabulary} (lower-case letters a–z), embeds each character in {@code embedding} dimensions, and maps
     * the word's characters, position by position, through an MLP of width {@code hidden} to a mel-shaped prior μ of
     * the decoder's output shape; and the {@code decoder} U-Net of [x, μ] (twice its output channels in, no classes).
     * The network's classes are the vocabulary's words (label i: word i; there is no null word).
     */
    record Speech(List<String> vocabulary, int embedding, int hidden, UNet decoder) implements NetworkConfig {
        public Speech {
            vocabulary = vocabulary == null ? null : List.copyOf(vocabulary);
            if (vocabulary == null || vocabulary.isEmpty() || decoder == null) {
                throw new InvalidArgumentException("a speech network needs a vocabulary and a decoder U-Net");
            }
            for (String word : vocabulary) {
                if (word.isEmpty() || !word.chars().allMatch(c -> c >= 'a' && c <= 'z')) {
                    throw new InvalidArgumentException("speech network vocabulary: '" + word + "' is not a word of "
                            + "lower-case letters a-z");
                }
            }
            if (vocabulary.stream().distinct().count() != vocabulary.size()) {
                throw new InvalidArgumentException("speech network vocabulary has a repeated word: " + vocabulary);
            }
            if (embedding < 1 || hidden < 1) {
                throw new InvalidArgumentException("speech network: embedding and hidden must be positive, got "
                        + embedding + " and " + hidden);
            }
            if (decoder.classes() != 0 || decoder.imageChannels() != 2 * decoder.outputs()) {
                throw new InvalidArgumentException("a speech network's decoder takes [x, μ] and no classes: a U-Net "
                        + "with image_channels twice its output_channels and classes 0, got " + decoder.imageChannels()
                        + " in, " + decoder.outputs() + " out, " + decoder.classes() + " classes");
            }
        }

        @Override
        public int classes() {
            return vocabulary.size();
        }

        /** The decoder's input, [x, μ]. */
        @Override
        public List<Integer> sampleShape() {
            return decoder.sampleShape();
        }

        /** The shape of one prior μ (and one mel). */
        public List<Integer> priorShape() {
            return List.of(decoder.outputs(), decoder.resolution(), decoder.resolution());
        }

        /** The longest word's letters. */
        public int letters() {
            return vocabulary.stream().mapToInt(String::length).max().orElseThrow();
        }

        @Override
        public Network build(Weights weights) {
            return new SpeechNetwork(this, weights);
        }
    }
}
