package org.diffusion4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.diffusion4j.backend.NativeArrays;
import org.diffusion4j.backend.Scalars;

/**
 * The diffusion transformer of {@link NetworkConfig.Dit} (DiT, Peebles &amp; Xie 2023; the backbone of SiT, Ma et
 * al. 2024). The image is cut into p×p patches, each mapped linearly to a token of width D (the same map as DiT's
 * convolution with kernel and stride p), plus fixed 2-D sine-cosine position embeddings. The condition
 * {@code c = MLP(timestep features of c_noise) + class embedding} drives every block through adaptive layer
 * normalization with zero-initialized gates (adaLN-Zero):
 * <pre>
 * (shift₁, scale₁, gate₁, shift₂, scale₂, gate₂) = Linear(SiLU(c))
 * x ← x + gate₁ · Attention(LN(x)·(1 + scale₁) + shift₁)
 * x ← x + gate₂ · MLP(LN(x)·(1 + scale₂) + shift₂)
 * </pre>
 * with multi-head attention and a GELU (tanh) MLP of width 4D. The final layer modulates LN(x) once more and maps
 * each token back to its patch. The modulation and output layers start at zero, so the network outputs exactly 0
 * at initialization. Initialization otherwise follows DiT: Xavier-uniform linear layers, and the timestep MLP and
 * class table at standard deviation 0.02 (uniform with that variance).
 */
final class DitNetwork implements Network {
    private static final double LAYER_NORM_EPSILON = 1e-6;
    private static final int FREQUENCY_CHANNELS = 256;

    private final NetworkConfig.Dit config;
    private final Weights weights;
    private final Dense patchEmbed;
    private final NoiseEmbedding timeFeatures;
    private final Dense time1;
    private final Dense time2;
    private final ClassEmbedding classEmbedding;
    private final List<Block> blocks = new ArrayList<>();
    private final Dense finalModulation;
    private final Dense finalLinear;
    private final double[] positions;

    DitNetwork(NetworkConfig.Dit config, Weights weights) {
        this.config = config;
        this.weights = weights;
        Weights.Scope root = weights.scope("dit");
        int d = config.hidden();
        int patchValues = config.imageChannels() * config.patch() * config.patch();
        this.patchEmbed = new Dense(root.scope("patch"), patchValues, d, xavier(patchValues, d));
        this.timeFeatures = NoiseEmbedding.positional(FREQUENCY_CHANNELS);
        this.time1 = new Dense(root.scope("time.fc1"), FREQUENCY_CHANNELS, d, 0.02 * Math.sqrt(FREQUENCY_CHANNELS));
        this.time2 = new Dense(root.scope("time.fc2"), d, d, 0.02 * Math.sqrt(d));
        this.classEmbedding = config.classes() > 0
                ? new ClassEmbedding(root.scope("class"), config.classes(), d, 0.02 * Math.sqrt(config.classes() + 1))
                : null;
        for (int i = 0; i < config.depth(); i++) {
            blocks.add(new Block(root.scope("block" + i), d, config.heads()));
        }
        this.finalModulation = new Dense(root.scope("final.modulation"), d, 2 * d, 0);
        this.finalLinear = new Dense(root.scope("final.linear"), d, patchValues, 0);
        this.positions = sinCosPositions(d, config.resolution() / config.patch());
        weights.finish();
    }

    /** The scale of {@link Init#uniform} that gives Xavier-uniform's bound √(6/(in + out)). */
    private static double xavier(int in, int out) {
        return Math.sqrt(2.0 * in / (in + out));
    }

    /**
     * DiT's fixed 2-D embedding of a g×g grid of tokens (row-major): the first D/2 values encode the column, the
     * last D/2 the row, each as {@code [sin(pos·ω_k), cos(pos·ω_k)]} with {@code ω_k = 10000^(−k/(D/4))}.
     */
    static double[] sinCosPositions(int d, int grid) {
        int quarter = d / 4;
        double[] table = new double[grid * grid * d];
        for (int row = 0; row < grid; row++) {
            for (int col = 0; col < grid; col++) {
                int offset = (row * grid + col) * d;
                for (int k = 0; k < quarter; k++) {
                    double omega = Math.pow(10000, -(double) k / quarter);
                    table[offset + k] = Math.sin(col * omega);
                    table[offset + quarter + k] = Math.cos(col * omega);
                    table[offset + 2 * quarter + k] = Math.sin(row * omega);
                    table[offset + 3 * quarter + k] = Math.cos(row * omega);
                }
            }
        }
        return table;
    }

    @Override
    public NDArray forward(NDArray x, NDArray noiseLabel, NDArray classLabels, boolean training) {
        return forward(x, noiseLabel, classLabels, training, true);
    }

    /**
     * The forward pass; with {@code free}, in bounded memory: each block's temporaries (the normalized and modulated
     * tokens, queries, keys, values, the attention scores and the MLP's activations) are closed when the block ends
     * and its input once the next block has read it, so the caller's manager receives the conditioning, the position
     * table and the output, not every intermediate (with 196 tokens, sampling batches of 250 MNIST images grew to
     * 23 GiB before the kernel killed the process, every block's scores alive until the step's manager closed). With
     * gradients, what backward needs stays in the graph, as in
     * {@link UNetNetwork#forward(NDArray, NDArray, NDArray, boolean, boolean)}. Without {@code free} every
     * intermediate stays in {@code x}'s manager; the operations and their order are the same either way: the same
     * bits.
     */
    NDArray forward(NDArray x, NDArray noiseLabel, NDArray classLabels, boolean training, boolean free) {
        int g = config.resolution() / config.patch();
        NDArray pos = NativeArrays.of(x.getManager(), positions, new Shape(1, (long) g * g, config.hidden()),
                x.getDataType());
        NDArray c = time2.apply(Activations.silu(time1.apply(timeFeatures.apply(noiseLabel))));
        if (classEmbedding != null && classLabels != null) {
            c = c.add(classEmbedding.apply(classLabels, x.getDataType()));
        }
        NDArray conditioning = Activations.silu(c);
        StageScopes scopes = new StageScopes(conditioning, free);
        NDArray h = scopes.run(x, pos, in -> patchEmbed.apply(patchify(in, config.patch())).add(pos));
        for (Block block : blocks) {
            NDArray next = scopes.run(h, null, in -> block.apply(in, conditioning));
            scopes.release(h, List.of());
            h = next;
        }
        NDArray out = scopes.run(h, null, in -> {
            NDArray[] shiftScale = chunks(finalModulation.apply(conditioning), 2);
            NDArray tokens = finalLinear.apply(modulate(layerNorm(in), shiftScale[0], shiftScale[1]));
            return unpatchify(tokens, config.patch(), config.imageChannels());
        });
        scopes.release(h, List.of());
        return out;
    }

    /**
     * Images (B, C, H, W) as tokens (B, (H/p)·(W/p), p·p·C), row-major over the patches, each patch's values in
     * (row, column, channel) order as DiT's output layer lays them out.
     */
    static NDArray patchify(NDArray x, int p) {
        Shape s = x.getShape();
        long batch = s.get(0);
        long channels = s.get(1);
        long rows = s.get(2) / p;
        long cols = s.get(3) / p;
        return x.reshape(batch, channels, rows, p, cols, p).transpose(0, 2, 4, 3, 5, 1)
                .reshape(batch, rows * cols, p * p * channels);
    }

    /** The inverse of {@link #patchify} for square images with {@code channels} channels. */
    static NDArray unpatchify(NDArray tokens, int p, int channels) {
        long batch = tokens.getShape().get(0);
        long g = Math.round(Math.sqrt(tokens.getShape().get(1)));
        return tokens.reshape(batch, g, g, p, p, channels).transpose(0, 5, 1, 3, 2, 4)
                .reshape(batch, channels, g * p, g * p);
    }

    /** Layer normalization over the last axis without an affine map (ε = 1e-6). */
    private static NDArray layerNorm(NDArray x) {
        Shape last = new Shape(x.getShape().get(x.getShape().dimension() - 1));
        NDArray ones = x.getManager().ones(last, x.getDataType());
        NDArray zeros = x.getManager().zeros(last, x.getDataType());
        return x.getNDArrayInternal().layerNorm(x, last, ones, zeros, (float) LAYER_NORM_EPSILON)
                .singletonOrThrow();
    }

    /** {@code x·(1 + scale) + shift}, with per-sample (B, D) vectors broadcast over the tokens. */
    private static NDArray modulate(NDArray x, NDArray shift, NDArray scale) {
        return x.mul(Scalars.plus(scale, 1).expandDims(1)).add(shift.expandDims(1));
    }

    /** Splits (B, n·D) into n arrays (B, D). */
    private static NDArray[] chunks(NDArray x, int n) {
        long width = x.getShape().get(1) / n;
        NDArray[] parts = new NDArray[n];
        for (int i = 0; i < n; i++) {
            parts[i] = x.get(":, " + i * width + ":" + (i + 1) * width);
        }
        return parts;
    }

    @Override
    public double[] noiseFrequencies() {
        return timeFeatures.frequencies();
    }

    @Override
    public Weights weights() {
        return weights;
    }

    @Override
    public NetworkConfig config() {
        return config;
    }

    /** One adaLN-Zero transformer block. */
    private static final class Block {
        private final Dense modulation;
        private final Dense qkv;
        private final Dense projection;
        private final Dense mlp1;
        private final Dense mlp2;
        private final int heads;

        Block(Weights.Scope scope, int d, int heads) {
            this.heads = heads;
            this.modulation = new Dense(scope.scope("modulation"), d, 6 * d, 0);
            this.qkv = new Dense(scope.scope("attn.qkv"), d, 3 * d, xavier(d, 3 * d));
            this.projection = new Dense(scope.scope("attn.proj"), d, d, xavier(d, d));
            this.mlp1 = new Dense(scope.scope("mlp.fc1"), d, 4 * d, xavier(d, 4 * d));
            this.mlp2 = new Dense(scope.scope("mlp.fc2"), 4 * d, d, xavier(4 * d, d));
        }

        NDArray apply(NDArray x, NDArray conditioning) {
            NDArray[] m = chunks(modulation.apply(conditioning), 6);
            NDArray attended = attention(modulate(layerNorm(x), m[0], m[1]));
            x = x.add(attended.mul(m[2].expandDims(1)));
            NDArray mlp = mlp2.apply(Activations.geluTanh(mlp1.apply(modulate(layerNorm(x), m[3], m[4]))));
            return x.add(mlp.mul(m[5].expandDims(1)));
        }

        /** Multi-head self-attention over the tokens (B, T, D). */
        private NDArray attention(NDArray x) {
            Shape shape = x.getShape();
            long batch = shape.get(0);
            long tokens = shape.get(1);
            long d = shape.get(2);
            long headWidth = d / heads;
            NDArray qkvs = qkv.apply(x).reshape(batch, tokens, 3, heads, headWidth).transpose(2, 0, 3, 1, 4);
            NDArray q = qkvs.get(0).reshape(batch * heads, tokens, headWidth);
            NDArray k = qkvs.get(1).reshape(batch * heads, tokens, headWidth);
            NDArray v = qkvs.get(2).reshape(batch * heads, tokens, headWidth);
            NDArray scores = Scalars.times(q.batchMatMul(k.transpose(0, 2, 1)), 1 / Math.sqrt(headWidth));
            NDArray out = scores.softmax(2).batchMatMul(v).reshape(batch, heads, tokens, headWidth)
                    .transpose(0, 2, 1, 3).reshape(batch, tokens, d);
            return projection.apply(out);
        }
    }
}
