package org.diffusion4j.distill;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.diffusion4j.ShapeMismatchException;
import org.diffusion4j.backend.Differentiable;
import org.diffusion4j.backend.NativeArrays;
import org.diffusion4j.denoise.Denoiser;
import org.diffusion4j.denoise.GaussianMixture;
import org.diffusion4j.denoise.Preconditioning;
import org.diffusion4j.nn.NetworkFunction;

/**
 * The model a student learns from, as the distillation calls it: the EDM-view denoiser {@code D(x; σ_i)} with one
 * level per sample (training draws a level per sample) and the batch's class labels. It never records gradients of
 * its own: a network teacher's weights are not trained.
 */
@Differentiable
@FunctionalInterface
public interface Teacher {

    /**
     * The data estimate of sample i at EDM level {@code sigma[i] > 0}.
     *
     * @param x the batch in the EDM view (x_t/α), batch first
     * @param sigma one EDM level per sample
     * @param labels the class of each sample (the null class where dropped), or null
     */
    NDArray denoise(NDArray x, double[] sigma, NDArray labels);

    /**
     * An unconditional EDM-view denoiser (an exact mixture, say) as a teacher: the samples are denoised in groups of
     * equal level, one call per distinct level, and put back in their order. Labels are ignored.
     */
    static Teacher of(Denoiser denoiser) {
        return (x, sigma, labels) -> {
            check(x, sigma);
            Map<Double, List<Integer>> groups = new LinkedHashMap<>();
            for (int i = 0; i < sigma.length; i++) {
                groups.computeIfAbsent(sigma[i], s -> new ArrayList<>()).add(i);
            }
            if (groups.size() == 1) {
                return denoiser.denoise(x, sigma[0]);
            }
            NDManager manager = x.getManager();
            NDList parts = new NDList();
            long[] inverse = new long[sigma.length];
            int position = 0;
            for (Map.Entry<Double, List<Integer>> group : groups.entrySet()) {
                long[] rows = new long[group.getValue().size()];
                for (int j = 0; j < rows.length; j++) {
                    rows[j] = group.getValue().get(j);
                    inverse[(int) rows[j]] = position++;
                }
                NDArray part = x.get(new NDIndex("{}", manager.create(rows)));
                parts.add(denoiser.denoise(part, group.getKey()));
            }
            return ai.djl.ndarray.NDArrays.concat(parts, 0).get(new NDIndex("{}", manager.create(inverse)));
        };
    }

    /**
     * An exact Gaussian mixture (of the EDM view's data) as a teacher: its posterior mean at each sample's own level,
     * computed in float64 in one pass whatever the levels. Labels are ignored.
     */
    static Teacher mixture(GaussianMixture mixture) {
        return (x, sigma, labels) -> {
            check(x, sigma);
            double[] values = x.toType(DataType.FLOAT64, false).toDoubleArray();
            return NativeArrays.of(x.getManager(), mixture.posteriorMean(values, sigma), x.getShape(),
                    x.getDataType());
        };
    }

    /**
     * A network under its preconditioning as a teacher, the whole batch in one call with a time per sample:
     * {@code D(x; σ̃) = x̂_0(α(t)·x, t)} at the time t of each sample's level (the {@code EdmView} of a network
     * denoiser, per sample).
     */
    static Teacher network(NetworkFunction network, Preconditioning preconditioning) {
        return new LevelNetwork(network, preconditioning)::denoise;
    }

    /** Fails unless there is one positive level per sample. */
    static void check(NDArray x, double[] sigma) {
        if (x.getShape().get(0) != sigma.length) {
            throw new ShapeMismatchException(sigma.length + " noise levels for a batch of " + x.getShape().get(0));
        }
        for (double s : sigma) {
            if (!(s > 0)) {
                throw new IllegalArgumentException("a teacher denoises at positive levels, got " + s);
            }
        }
    }
}
