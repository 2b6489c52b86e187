package org.diffusion4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import org.diffusion4j.ShapeMismatchException;
import org.diffusion4j.backend.Differentiable;

/**
 * A network whose input is extended by fixed channels: {@code F'(x, c_noise, class) = F([x, extra], c_noise, class)},
 * the two stacked along the channels. This is how a denoiser is conditioned on an image (SR3's concatenation): the
 * wrapped network takes the channels of x plus those of {@code extra}, which holds one image per sample of the batch.
 *
 * @param inner the network of the stacked input
 * @param extra the extra channels, batch first, the batch and size of every input x
 */
@Differentiable
public record ExtraChannels(Network inner, NDArray extra) implements Network {

    @Override
    public NDArray forward(NDArray x, NDArray noiseLabel, NDArray classLabels, boolean training) {
        return inner.forward(stacked(x), noiseLabel, classLabels, training);
    }

    @Override
    public NDArray features(NDArray x, NDArray noiseLabel, NDArray classLabels, boolean training) {
        return inner.features(stacked(x), noiseLabel, classLabels, training);
    }

    @Override
    public int featureChannels() {
        return inner.featureChannels();
    }

    @Override
    public double[] noiseFrequencies() {
        return inner.noiseFrequencies();
    }

    @Override
    public Weights weights() {
        return inner.weights();
    }

    @Override
    public NetworkConfig config() {
        return inner.config();
    }

    private NDArray stacked(NDArray x) {
        Shape s = x.getShape();
        Shape e = extra.getShape();
        if (s.dimension() != e.dimension() || s.get(0) != e.get(0) || !s.slice(2).equals(e.slice(2))) {
            throw new ShapeMismatchException("an input shaped " + s + " cannot take extra channels shaped " + e
                    + " (the same batch and size are needed)");
        }
        return x.concat(extra.toType(x.getDataType(), false), 1);
    }
}
