package org.diffusion4j.denoise;

import org.diffusion4j.backend.Differentiable;
import org.diffusion4j.backend.NativeArrays;

import ai.djl.ndarray.NDArray;

/**
 * What a network predicts, and the exact algebra between each prediction and the data estimate x̂_0, for any
 * process {@code x_t = α·x_0 + σ·ε} (the coefficients come from a {@link ProcessCoefficients}).
 *
 * <p>Every conversion uses array-by-array operations only (no {@code NDArray op Number}), so it is safe inside an
 * autograd graph.
 */
@Differentiable
public enum Parameterization {
    /** ε-prediction (Ho et al. 2020): x_0 = (x − σ·ε)/α. */
    EPSILON {
        @Override
        public NDArray toData(NDArray output, NDArray x, ProcessCoefficients c) {
            return x.sub(c.sigma().mul(output)).div(c.alpha());
        }

        @Override
        public NDArray fromData(NDArray x0, NDArray x, ProcessCoefficients c) {
            return x.sub(c.alpha().mul(x0)).div(c.sigma());
        }
    },
    /** x_0-prediction: the output is the data estimate itself. */
    DATA {
        /** A new array (callers may close it) that stays in the autograd graph. */
        @Override
        public NDArray toData(NDArray output, NDArray x, ProcessCoefficients c) {
            return NativeArrays.differentiableCopy(output, output.getDataType());
        }

        @Override
        public NDArray fromData(NDArray x0, NDArray x, ProcessCoefficients c) {
            return x0.duplicate();
        }
    },
    /**
     * v-prediction (Salimans &amp; Ho 2022), v = α·ε − σ·x_0, for any α, σ:
     * x_0 = (α·x − σ·v)/(α² + σ²).
     */
    V {
        @Override
        public NDArray toData(NDArray output, NDArray x, ProcessCoefficients c) {
            NDArray norm = c.alpha().mul(c.alpha()).add(c.sigma().mul(c.sigma()));
            return c.alpha().mul(x).sub(c.sigma().mul(output)).div(norm);
        }

        @Override
        public NDArray fromData(NDArray x0, NDArray x, ProcessCoefficients c) {
            NDArray norm = c.alpha().mul(c.alpha()).add(c.sigma().mul(c.sigma()));
            return c.alpha().mul(x).sub(norm.mul(x0)).div(c.sigma());
        }
    },
    /**
     * Flow velocity u = dx_t/dt = α'·x_0 + σ'·ε (flow matching, SiT's "velocity"):
     * x_0 = (σ·u − σ'·x)/(α'·σ − σ'·α).
     */
    VELOCITY {
        @Override
        public NDArray toData(NDArray output, NDArray x, ProcessCoefficients c) {
            NDArray det = c.alphaDerivative().mul(c.sigma()).sub(c.sigmaDerivative().mul(c.alpha()));
            return c.sigma().mul(output).sub(c.sigmaDerivative().mul(x)).div(det);
        }

        @Override
        public NDArray fromData(NDArray x0, NDArray x, ProcessCoefficients c) {
            NDArray det = c.alphaDerivative().mul(c.sigma()).sub(c.sigmaDerivative().mul(c.alpha()));
            return det.mul(x0).add(c.sigmaDerivative().mul(x)).div(c.sigma());
        }
    },
    /** Score s = ∇ log p_t(x_t) = −ε/σ: x_0 = (x + σ²·s)/α (Tweedie's formula). */
    SCORE {
        @Override
        public NDArray toData(NDArray output, NDArray x, ProcessCoefficients c) {
            return x.add(c.sigma().mul(c.sigma()).mul(output)).div(c.alpha());
        }

        @Override
        public NDArray fromData(NDArray x0, NDArray x, ProcessCoefficients c) {
            return c.alpha().mul(x0).sub(x).div(c.sigma().mul(c.sigma()));
        }
    };

    /** The data estimate x̂_0 from a prediction {@code output} at the noisy point {@code x}. */
    public abstract NDArray toData(NDArray output, NDArray x, ProcessCoefficients c);

    /** The prediction this parameterization makes when the data estimate is {@code x0} at the noisy point {@code x}. */
    public abstract NDArray fromData(NDArray x0, NDArray x, ProcessCoefficients c);

    /** Converts a prediction in this parameterization into one in {@code target}, exactly. */
    public NDArray convert(NDArray output, NDArray x, ProcessCoefficients c, Parameterization target) {
        if (target == this) {
            return output.duplicate();
        }
        try (NDArray x0 = toData(output, x, c)) {
            return target.fromData(x0, x, c);
        }
    }
}
