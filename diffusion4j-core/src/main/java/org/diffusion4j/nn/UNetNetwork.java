package org.diffusion4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.norm.Dropout;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.diffusion4j.backend.Scalars;

/**
 * The U-Net of {@link NetworkConfig.UNet}, after DDPM++ as configured in EDM (Karras et al. 2022, Appendix F.2;
 * Song et al. 2021): an encoder of residual blocks that halves the resolution between levels, a middle of
 * block–attention–block, a decoder that concatenates the encoder's outputs, and a zero-initialized output
 * convolution. Residual sums are scaled by √½ as in EDM.
 */
final class UNetNetwork implements Network {
    private static final double SKIP_SCALE = Math.sqrt(0.5);

    private final NetworkConfig.UNet config;
    private final Weights weights;
    private final NoiseEmbedding embedding;
    private final Dense embed1;
    private final Dense embed2;
    private final ClassEmbedding classEmbedding;
    private final Conv inputConv;
    private final List<Stage> encoder = new ArrayList<>();
    private final List<Stage> middle = new ArrayList<>();
    private final List<Stage> decoder = new ArrayList<>();
    private final GroupNorm outputNorm;
    private final Conv outputConv;
    private final int featureChannels;

    /** One stage: a residual block (with optional attention after it), or a resampling convolution. */
    private interface Stage {
        NDArray apply(NDArray x, NDArray emb, boolean training);

        /** Whether the encoder keeps this stage's output for the decoder / the decoder consumes one. */
        default boolean skip() {
            return true;
        }
    }

    UNetNetwork(NetworkConfig.UNet config, Weights weights) {
        this.config = config;
        this.weights = weights;
        Weights.Scope root = weights.scope("unet");
        int ch = config.channels();
        int emb = 4 * ch;
        this.embedding = NoiseEmbedding.positional(ch);
        this.embed1 = new Dense(root.scope("embed.fc1"), ch, emb, 1);
        this.embed2 = new Dense(root.scope("embed.fc2"), emb, emb, 1);
        this.classEmbedding = config.classes() > 0
                ? new ClassEmbedding(root.scope("embed.class"), config.classes(), emb) : null;
        this.inputConv = new Conv(root.scope("enc.in"), config.imageChannels(), ch, 3, 1, 1);

        List<Integer> skipChannels = new ArrayList<>();
        skipChannels.add(ch);
        int channels = ch;
        int resolution = config.resolution();
        List<Integer> mult = config.multipliers();
        for (int level = 0; level < mult.size(); level++) {
            if (level > 0) {
                Conv down = new Conv(root.scope("enc." + resolution + ".down"), channels, channels, 3, 2, 1);
                encoder.add((x, e, t) -> down.apply(x));
                resolution /= 2;
                skipChannels.add(channels);
            }
            for (int b = 0; b < config.blocks(); b++) {
                int out = ch * mult.get(level);
                encoder.add(block(root.scope("enc." + resolution + ".block" + b), channels, out, emb, resolution));
                channels = out;
                skipChannels.add(channels);
            }
        }
        this.featureChannels = channels;
        ResBlock mid1 = new ResBlock(root.scope("mid.block0"), channels, channels, emb, config.dropout());
        SelfAttention2d midAttention = new SelfAttention2d(root.scope("mid.attn"), channels);
        ResBlock mid2 = new ResBlock(root.scope("mid.block1"), channels, channels, emb, config.dropout());
        middle.add((x, e, t) -> mid2.apply(midAttention.apply(mid1.apply(x, e, t)), e, t));
        for (int level = mult.size() - 1; level >= 0; level--) {
            for (int b = 0; b <= config.blocks(); b++) {
                int out = ch * mult.get(level);
                int in = channels + skipChannels.remove(skipChannels.size() - 1);
                decoder.add(block(root.scope("dec." + resolution + ".block" + b), in, out, emb, resolution));
                channels = out;
            }
            if (level > 0) {
                Conv up = new Conv(root.scope("dec." + resolution + ".up"), channels, channels, 3, 1, 1);
                decoder.add(new Stage() {
                    @Override
                    public NDArray apply(NDArray x, NDArray e, boolean training) {
                        long[] size = {x.getShape().get(2) * 2, x.getShape().get(3) * 2};
                        return up.apply(x.getNDArrayInternal().interpolation(size, 0, false));
                    }

                    @Override
                    public boolean skip() {
                        return false;
                    }
                });
                resolution *= 2;
            }
        }
        this.outputNorm = new GroupNorm(root.scope("dec.out.norm"), channels);
        this.outputConv = new Conv(root.scope("dec.out.conv"), channels, config.outputs(), 3, 1, 0);
        weights.finish();
    }

    private Stage block(Weights.Scope scope, int in, int out, int emb, int resolution) {
        ResBlock res = new ResBlock(scope, in, out, emb, config.dropout());
        if (!config.attentionResolutions().contains(resolution)) {
            return res::apply;
        }
        SelfAttention2d attention = new SelfAttention2d(scope.scope("attn"), out);
        return (x, e, t) -> attention.apply(res.apply(x, e, t));
    }

    @Override
    public NDArray forward(NDArray x, NDArray noiseLabel, NDArray classLabels, boolean training) {
        return forward(x, noiseLabel, classLabels, training, true);
    }

    /**
     * The forward pass; with {@code free}, in bounded memory: each stage's temporaries (normalized, activated,
     * convolved copies of its input) are closed when the stage ends, and a stage's input once nothing later reads
     * it, so the caller's manager receives the encoder's outputs the decoder still needs, one stage's work at a
     * time, and the output, not every intermediate of the network (an MNIST U-Net on 250 images held about 3 GB
     * until its caller's manager closed). This holds with gradients too: closing an array releases its handle, and
     * libtorch frees the memory only once autograd keeps no reference to it, so what backward needs stays in the
     * graph until backward and the rest is freed during the forward pass. That is safe only because every array of a
     * stage is engine-owned: one made from Java data lives in a Java buffer that the garbage collector frees once its
     * array is closed, under a graph that still reads it ({@code GarbageCollectionGuardTest},
     * {@code ScopedForwardTest}). Without {@code free} every intermediate stays in {@code x}'s manager: the reference
     * the tests compare with. The operations and their order are the same either way: the same bits.
     */
    NDArray forward(NDArray x, NDArray noiseLabel, NDArray classLabels, boolean training, boolean free) {
        NDArray emb = embedding(x, noiseLabel, classLabels);
        StageScopes scopes = new StageScopes(emb, free);
        Deque<NDArray> skips = new ArrayDeque<>();
        NDArray h = scopes.run(x, null, in -> inputConv.apply(in));
        skips.push(h);
        for (Stage stage : encoder) {
            h = scopes.run(h, null, in -> stage.apply(in, emb, training));
            skips.push(h);
        }
        for (Stage stage : middle) {
            NDArray next = scopes.run(h, null, in -> stage.apply(in, emb, training));
            scopes.release(h, skips);
            h = next;
        }
        for (Stage stage : decoder) {
            NDArray next;
            if (stage.skip()) {
                NDArray skip = skips.pop();
                next = scopes.run(h, skip, in -> stage.apply(in.concat(skip, 1), emb, training));
                scopes.release(skip, skips);
            } else {
                next = scopes.run(h, null, in -> stage.apply(in, emb, training));
            }
            if (!h.isReleased()) {
                scopes.release(h, skips);
            }
            h = next;
        }
        NDArray out = scopes.run(h, null, in -> outputConv.apply(Activations.silu(outputNorm.apply(in))));
        scopes.release(h, skips);
        return out;
    }

    /**
     * The encoder's output, before the middle blocks (where DMD2's authors read the EDM U-Net's "bottleneck"): at
     * the lowest resolution, {@link #featureChannels()} channels. In bounded memory, as {@link #forward}.
     */
    @Override
    public NDArray features(NDArray x, NDArray noiseLabel, NDArray classLabels, boolean training) {
        NDArray emb = embedding(x, noiseLabel, classLabels);
        StageScopes scopes = new StageScopes(emb, true);
        Deque<NDArray> kept = new ArrayDeque<>();
        NDArray h = scopes.run(x, null, in -> inputConv.apply(in));
        for (Stage stage : encoder) {
            NDArray next = scopes.run(h, null, in -> stage.apply(in, emb, training));
            scopes.release(h, kept);
            h = next;
        }
        return h;
    }

    @Override
    public int featureChannels() {
        return featureChannels;
    }

    private NDArray embedding(NDArray x, NDArray noiseLabel, NDArray classLabels) {
        NDArray noise = embed2.apply(Activations.silu(embed1.apply(embedding.apply(noiseLabel))));
        return Activations.silu(classEmbedding != null && classLabels != null
                ? noise.add(classEmbedding.apply(classLabels, x.getDataType())) : noise);
    }

    @Override
    public double[] noiseFrequencies() {
        return embedding.frequencies();
    }

    @Override
    public Weights weights() {
        return weights;
    }

    @Override
    public NetworkConfig config() {
        return config;
    }

    /**
     * A residual block: {@code h = conv1(SiLU(GN(x)))}; {@code h = SiLU(GN(h)·(1 + s) + b)} with (s, b) a linear
     * map of the embedding; dropout; {@code h = conv2(h)}; output {@code (h + skip(x))·√½}.
     */
    private static final class ResBlock {
        private final GroupNorm norm1;
        private final Conv conv1;
        private final Dense affine;
        private final GroupNorm norm2;
        private final Conv conv2;
        private final Conv skip;
        private final double dropout;
        private final int out;

        ResBlock(Weights.Scope scope, int in, int out, int emb, double dropout) {
            this.out = out;
            this.dropout = dropout;
            this.norm1 = new GroupNorm(scope.scope("norm1"), in);
            this.conv1 = new Conv(scope.scope("conv1"), in, out, 3, 1, 1);
            this.affine = new Dense(scope.scope("affine"), emb, 2 * out, 1);
            this.norm2 = new GroupNorm(scope.scope("norm2"), out);
            this.conv2 = new Conv(scope.scope("conv2"), out, out, 3, 1, 1e-5);
            this.skip = in == out ? null : new Conv(scope.scope("skip"), in, out, 1, 1, 1);
        }

        NDArray apply(NDArray x, NDArray emb, boolean training) {
            NDArray h = conv1.apply(Activations.silu(norm1.apply(x)));
            NDArray params = affine.apply(emb).reshape(-1, 2 * out, 1, 1);
            NDArray scale = params.get(":, 0:" + out);
            NDArray shift = params.get(":, " + out + ":");
            h = Activations.silu(norm2.apply(h, Scalars.plus(scale, 1), shift));
            if (dropout > 0 && training) {
                h = Dropout.dropout(h, (float) dropout, true).singletonOrThrow();
            }
            h = conv2.apply(h);
            return Scalars.times(h.add(skip == null ? x : skip.apply(x)), SKIP_SCALE);
        }
    }
}
