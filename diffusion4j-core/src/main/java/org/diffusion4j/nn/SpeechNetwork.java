package org.diffusion4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.diffusion4j.backend.NativeArrays;

/**
 * The network of {@link NetworkConfig.Speech}. {@link #prior} is the character encoder; {@link #forward} is the
 * decoder U-Net of [x, μ] (the caller stacks μ, as for a restoration model's prior), which ignores class labels.
 */
public final class SpeechNetwork implements Network {
    /** Letters a–z are characters 1–26; 0 pads a word to the longest's length. */
    private static final int ALPHABET = 27;

    private final NetworkConfig.Speech config;
    private final Weights weights;
    private final Dense characters;
    private final Dense hidden1;
    private final Dense hidden2;
    private final Dense output;
    private final double[] spelling;
    private final UNetNetwork decoder;

    SpeechNetwork(NetworkConfig.Speech config, Weights weights) {
        this.config = config;
        this.weights = weights;
        int letters = config.letters();
        Weights.Scope root = weights.scope("encoder");
        this.characters = new Dense(root.scope("characters"), ALPHABET, config.embedding(), 1);
        this.hidden1 = new Dense(root.scope("fc1"), letters * config.embedding(), config.hidden(), 1);
        this.hidden2 = new Dense(root.scope("fc2"), config.hidden(), config.hidden(), 1);
        int size = config.priorShape().stream().mapToInt(Integer::intValue).reduce(1, (a, b) -> a * b);
        this.output = new Dense(root.scope("output"), config.hidden(), size, 1);
        int words = config.vocabulary().size();
        this.spelling = new double[words * letters * ALPHABET];
        for (int w = 0; w < words; w++) {
            String word = config.vocabulary().get(w);
            for (int i = 0; i < letters; i++) {
                int character = i < word.length() ? word.charAt(i) - 'a' + 1 : 0;
                spelling[(w * letters + i) * ALPHABET + character] = 1;
            }
        }
        this.decoder = new UNetNetwork(config.decoder(), weights); // requests its weights after the encoder's, then checks all
    }

    /** The prior μ of each word of {@code words} (vocabulary indices, shape (B)): shape (B, C, H, W). */
    public NDArray prior(NDArray words) {
        DataType type = dataType();
        int count = config.vocabulary().size();
        int letters = config.letters();
        long batch = words.getShape().get(0);
        NDArray table = NativeArrays.of(words.getManager(), spelling, new Shape(count, letters * ALPHABET), type);
        NDArray spelled = words.toType(DataType.INT32, false).oneHot(count, type).matMul(table)
                .reshape(batch * letters, ALPHABET);
        NDArray embedded = characters.apply(spelled).reshape(batch, letters * (long) config.embedding());
        NDArray h = Activations.silu(hidden1.apply(embedded));
        h = Activations.silu(hidden2.apply(h));
        Shape prior = new Shape(config.priorShape().stream().mapToLong(Integer::longValue).toArray());
        return output.apply(h).reshape(new Shape(batch).addAll(prior));
    }

    @Override
    public NDArray forward(NDArray x, NDArray noiseLabel, NDArray classLabels, boolean training) {
        return decoder.forward(x, noiseLabel, null, training);
    }

    /** There is no null word: every label is a word. */
    @Override
    public boolean hasNullClass() {
        return false;
    }

    @Override
    public Weights weights() {
        return weights;
    }

    @Override
    public NetworkConfig config() {
        return config;
    }
}
