package org.diffusion4j.eval;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.SplittableRandom;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.backend.Differentiable;
import org.diffusion4j.backend.NativeArrays;
import org.diffusion4j.backend.Scalars;
import org.diffusion4j.denoise.Denoiser;
import org.diffusion4j.ode.DormandPrince;

/**
 * Exact log-likelihoods through the probability-flow ODE (Song et al. 2021, Section 4.3 and Appendix D.2; Chen et
 * al. 2018's instantaneous change of variables). In the EDM view, with u = log σ, the flow is
 * {@code dx/du = f = x − D(x; e^u)} and the log-density along it obeys {@code d log p/du = −div f}, so
 * <pre>
 * log p_{σ_min}(x) = log N(x(σ_max); 0, σ_max²·I) + ∫ div f du,      div f = d − tr ∂D/∂x
 * </pre>
 * integrated with [x, ∫ div f] as one state from σ_min to σ_max. The trace is exact (d vector–Jacobian products,
 * for low dimensions) or Hutchinson's estimate vᵀ(∂D/∂x)ᵀv with one Rademacher probe per sample, fixed over the
 * solve (Hutchinson 1989; Grathwohl et al. 2018): unbiased, so averages over samples are exact. The result is the
 * density of the EDM-view marginal at σ_min, the data smoothed by N(0, σ_min²). The prior ignores the data at
 * σ_max, an error of about x(σ_max)·E[x_0]/σ_max², so of order |E[x_0]|/σ_max per sample: take σ_max large (it
 * costs little, the flow is smooth in log σ). Gradients flow through the denoiser,
 * which therefore has to be safe under autograd (no {@code NDArray op Number}).
 */
@Differentiable
public final class Likelihood {
    private Likelihood() {}

    /** How the divergence's trace is computed. */
    public enum Trace { EXACT, HUTCHINSON }

    /**
     * Per-sample log-densities (nats) and the denoiser calls they took.
     *
     * @param logDensity log p_{σ_min}(x_i)
     * @param evaluations forward passes through the denoiser
     */
    public record Result(double[] logDensity, long evaluations) {}

    /** The log-density of each row of the batch {@code x} (batch first) under the flow of {@code denoiser}. */
    public static Result logDensity(Denoiser denoiser, NDArray x, double sigmaMin, double sigmaMax,
            DormandPrince solver, Trace trace, long seed) {
        if (!(sigmaMin > 0 && sigmaMax > sigmaMin)) {
            throw new InvalidArgumentException("likelihood needs 0 < σ_min < σ_max, got " + sigmaMin + ", "
                    + sigmaMax);
        }
        Shape shape = x.getShape();
        int batch = (int) shape.get(0);
        int dim = (int) (shape.size() / batch);
        long[] calls = new long[1];
        try (NDManager manager = x.getManager().newSubManager()) {
            NDArray probe = trace == Trace.HUTCHINSON ? rademacher(manager, batch, dim, seed, x) : null;
            NDArray start = NDArrays.concat(new NDList(x.reshape(batch, dim),
                    manager.zeros(new Shape(batch, 1), x.getDataType())), 1);
            NDArray end = solver.solve((u, y) -> {
                NDArray state = y.get(new NDIndex(":, :{}", dim)).reshape(shape);
                double sigma = Math.exp(u);
                NDArray[] denoisedAndTrace = trace == Trace.EXACT
                        ? exactTrace(denoiser, state, sigma, batch, dim, calls)
                        : hutchinson(denoiser, state, sigma, probe, calls);
                NDArray velocity = state.sub(denoisedAndTrace[0]).reshape(batch, dim);
                NDArray divergence = Scalars.plus(denoisedAndTrace[1].neg(), dim).reshape(batch, 1);
                return NDArrays.concat(new NDList(velocity, divergence), 1);
            }, start, Math.log(sigmaMin), Math.log(sigmaMax)).y();
            NDArray xT = end.get(new NDIndex(":, :{}", dim));
            NDArray integral = end.get(new NDIndex(":, {}", dim));
            double norm = dim * Math.log(2 * Math.PI * sigmaMax * sigmaMax) / 2;
            NDArray prior = Scalars.plus(Scalars.times(xT.mul(xT).sum(new int[] {1}),
                    -0.5 / (sigmaMax * sigmaMax)), -norm);
            double[] out = prior.add(integral).toType(ai.djl.ndarray.types.DataType.FLOAT64, false)
                    .toDoubleArray();
            return new Result(out, calls[0]);
        }
    }

    /** D(x) and tr ∂D/∂x by one vector–Jacobian product per coordinate. */
    private static NDArray[] exactTrace(Denoiser denoiser, NDArray x, double sigma, int batch, int dim,
            long[] calls) {
        NDArray trace = null;
        NDArray denoised = null;
        for (int j = 0; j < dim; j++) {
            double[] basis = new double[dim];
            basis[j] = 1;
            NDArray e = NativeArrays.of(x.getManager(), basis, new Shape(1, dim), x.getDataType());
            NDArray[] both = vectorJacobian(denoiser, x, sigma, e.broadcast(batch, dim).reshape(x.getShape()), calls);
            NDArray column = both[1].reshape(batch, dim).get(new NDIndex(":, {}", j));
            trace = trace == null ? column : trace.add(column);
            denoised = both[0];
        }
        return new NDArray[] {denoised, trace};
    }

    /** D(x) and the Hutchinson estimate vᵀ(∂D/∂x)ᵀv. */
    private static NDArray[] hutchinson(Denoiser denoiser, NDArray x, double sigma, NDArray probe, long[] calls) {
        NDArray v = probe.reshape(x.getShape());
        NDArray[] both = vectorJacobian(denoiser, x, sigma, v, calls);
        int batch = (int) x.getShape().get(0);
        return new NDArray[] {both[0], both[1].mul(v).reshape(batch, -1).sum(new int[] {1})};
    }

    /** D(x) and (∂D/∂x)ᵀv, by one forward and one backward pass. */
    private static NDArray[] vectorJacobian(Denoiser denoiser, NDArray x, double sigma, NDArray v, long[] calls) {
        NDArray input = x.duplicate();
        input.setRequiresGradient(true);
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray denoised = denoiser.denoise(input, sigma);
            calls[0]++;
            collector.backward(denoised.mul(v).sum());
            NDArray gradient = input.getGradient().duplicate();
            return new NDArray[] {denoised.stopGradient(), gradient};
        }
    }

    private static NDArray rademacher(NDManager manager, int batch, int dim, long seed, NDArray like) {
        SplittableRandom random = new SplittableRandom(seed);
        double[] signs = new double[batch * dim];
        for (int i = 0; i < signs.length; i++) {
            signs[i] = random.nextBoolean() ? 1 : -1;
        }
        return NativeArrays.of(manager, signs, new Shape(batch, dim), like.getDataType());
    }
}
