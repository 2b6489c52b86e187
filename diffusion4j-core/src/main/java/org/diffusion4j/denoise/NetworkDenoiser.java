package org.diffusion4j.denoise;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.Arrays;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.ShapeMismatchException;
import org.diffusion4j.backend.Differentiable;
import org.diffusion4j.backend.Scalars;
import org.diffusion4j.nn.NetworkFunction;
import org.diffusion4j.process.NoiseSchedule;

/**
 * A network (trained here, or a TorchScript module) as a process denoiser,
 * {@code D(x_t, t) = toData(F(c_in·x_t, c_noise, class), x_t)}, optionally class-conditional with classifier-free
 * guidance (Ho &amp; Salimans 2021): with scale w, {@code D = D(∅) + w·(D(class) − D(∅))}, the conditional and
 * unconditional halves computed in one doubled batch. w = 1 is plain conditional sampling, w = 0 unconditional; ∅ is
 * the network's null class, which guidance and unconditional sampling of a class-conditional network need.
 */
@Differentiable
public final class NetworkDenoiser implements ProcessDenoiser {
    private final NetworkFunction network;
    private final Preconditioning preconditioning;
    private final NoiseSchedule schedule;
    private final int[] classes;
    private final double guidance;

    private NetworkDenoiser(NetworkFunction network, Preconditioning preconditioning, int[] classes, double guidance) {
        this.network = network;
        this.preconditioning = preconditioning;
        this.schedule = preconditioning.schedule();
        this.classes = classes;
        this.guidance = guidance;
    }

    /** An unconditional denoiser (the null class for a class-conditional network, which must have one). */
    public static NetworkDenoiser unconditional(NetworkFunction network, Preconditioning preconditioning) {
        if (network.classes() > 0 && !network.hasNullClass()) {
            throw new InvalidArgumentException("the network is class-conditional without a null class; it samples "
                    + "only given a class per sample");
        }
        return new NetworkDenoiser(network, preconditioning, null, 1);
    }

    /** A denoiser for sample i of class {@code classes[i]}, guided with scale {@code guidance}. */
    public static NetworkDenoiser conditional(NetworkFunction network, Preconditioning preconditioning,
            int[] classes, double guidance) {
        int count = network.classes();
        if (count == 0) {
            throw new InvalidArgumentException("the network is unconditional; it takes no class");
        }
        for (int c : classes) {
            if (c < 0 || c >= count) {
                throw new InvalidArgumentException("class " + c + " outside 0 … " + (count - 1));
            }
        }
        if (!(guidance >= 0)) {
            throw new InvalidArgumentException("guidance scale must be ≥ 0, got " + guidance);
        }
        if (guidance != 1 && !network.hasNullClass()) {
            throw new InvalidArgumentException("guidance scale " + guidance + " needs an unconditional denoiser, but "
                    + "the network has no null class; leave the scale at 1");
        }
        return new NetworkDenoiser(network, preconditioning, classes.clone(), guidance);
    }

    @Override
    public NoiseSchedule schedule() {
        return schedule;
    }

    @Override
    public NDArray denoise(NDArray xt, double t) {
        int batch = (int) xt.getShape().get(0);
        ProcessCoefficients c = ProcessCoefficients.at(schedule, t, xt);
        NDArray input = preconditioning.input(xt, c);
        double[] times = new double[batch];
        Arrays.fill(times, t);
        NDArray label = preconditioning.noiseLabel(times, xt);
        NDManager manager = xt.getManager();
        int nullClass = network.classes();
        if (classes == null || guidance == 1) {
            NDArray labels = network.classLabels(manager, classes, batch);
            return preconditioning.toData(forward(input, label, labels, xt), xt, c);
        }
        if (classes.length != batch) {
            throw new ShapeMismatchException(classes.length + " class labels for a batch of " + batch);
        }
        int[] both = Arrays.copyOf(classes, 2 * batch);
        Arrays.fill(both, batch, 2 * batch, nullClass);
        NDArray output = forward(input.concat(input, 0), label.concat(label, 0), manager.create(both), xt);
        // both halves in one call, so the preconditioning's scales are computed once
        NDArray denoised = preconditioning.toData(output, xt.concat(xt, 0), c);
        NDArray conditional = denoised.get("0:" + batch);
        NDArray unconditional = denoised.get(batch + ":");
        return unconditional.add(Scalars.times(conditional.sub(unconditional), guidance));
    }

    /**
     * The network on inputs cast to its dtype, the output cast back to that of {@code xt}: a float32 network samples
     * in float64 (and the reverse) without a dtype clash inside its layers.
     */
    private NDArray forward(NDArray input, NDArray label, NDArray labels, NDArray xt) {
        DataType own = network.dataType();
        return network.apply(input.toType(own, false), label.toType(own, false), labels)
                .toType(xt.getDataType(), false);
    }
}
