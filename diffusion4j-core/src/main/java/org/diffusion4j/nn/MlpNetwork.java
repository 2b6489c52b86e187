package org.diffusion4j.nn;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.List;

/** The residual MLP of {@link NetworkConfig.Mlp}. */
final class MlpNetwork implements Network {
    private final NetworkConfig.Mlp config;
    private final Weights weights;
    private final NoiseEmbedding embedding;
    private final ClassEmbedding classEmbedding;
    private final Dense input;
    private final List<Dense[]> blocks = new ArrayList<>();
    private final List<Dense> conditioning = new ArrayList<>();
    private final Dense output;

    MlpNetwork(NetworkConfig.Mlp config, Weights weights) {
        this.config = config;
        this.weights = weights;
        this.embedding = NoiseEmbedding.fourier(config.embedding(), 1);
        Weights.Scope root = weights.scope("mlp");
        this.classEmbedding = config.classes() > 0
                ? new ClassEmbedding(root.scope("class"), config.classes(), config.embedding()) : null;
        this.input = new Dense(root.scope("input"), config.dimension() + config.embedding(), config.width(), 1);
        for (int b = 0; b < config.blocks(); b++) {
            Weights.Scope block = root.scope("block" + b);
            blocks.add(new Dense[] {new Dense(block.scope("fc1"), config.width(), config.width(), 1),
                new Dense(block.scope("fc2"), config.width(), config.width(), 0.5)});
            conditioning.add(new Dense(block.scope("emb"), config.embedding(), config.width(), 1));
        }
        this.output = new Dense(root.scope("output"), config.width(), config.dimension(), 0);
        weights.finish();
    }

    @Override
    public NDArray forward(NDArray x, NDArray noiseLabel, NDArray classLabels, boolean training) {
        return output.apply(Activations.silu(features(x, noiseLabel, classLabels, training)));
    }

    /** The last residual block's output, {@code width} features per sample. */
    @Override
    public NDArray features(NDArray x, NDArray noiseLabel, NDArray classLabels, boolean training) {
        NDArray emb = embedding.apply(noiseLabel);
        if (classEmbedding != null && classLabels != null) {
            emb = emb.add(classEmbedding.apply(classLabels, x.getDataType()));
        }
        NDArray h = input.apply(x.concat(emb, 1));
        for (int b = 0; b < blocks.size(); b++) {
            Dense[] block = blocks.get(b);
            NDArray inner = block[0].apply(Activations.silu(h)).add(conditioning.get(b).apply(emb));
            h = h.add(block[1].apply(Activations.silu(inner)));
        }
        return h;
    }

    @Override
    public int featureChannels() {
        return config.width();
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
}
