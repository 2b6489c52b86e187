package org.diffusion4j.train;

import org.diffusion4j.backend.NativeArrays;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.diffusion4j.DiffusionException;
import org.diffusion4j.ShapeMismatchException;
import org.diffusion4j.backend.Scalars;

/**
 * Adam with decoupled weight decay (Loshchilov &amp; Hutter 2019, Algorithm 2): {@code m ← β₁m + (1 − β₁)g},
 * {@code v ← β₂v + (1 − β₂)g²}, {@code w ← w − lr·(m̂/(√v̂ + ε) + λw)} with bias-corrected m̂, v̂. Written here
 * rather than taken from DJL because its moments must be saved and restored for exact resumption. Updates run
 * outside any gradient recording, in place; their temporaries are freed per weight ({@link NDScope}).
 */
public final class AdamW {
    private final double beta1;
    private final double beta2;
    private final double epsilon;
    private final double weightDecay;
    private final Map<String, NDArray> first = new LinkedHashMap<>();
    private final Map<String, NDArray> second = new LinkedHashMap<>();
    private long step;

    /** Moments start at zero, in {@code manager}, shaped like {@code weights}. */
    public AdamW(Map<String, NDArray> weights, NDManager manager, double beta1, double beta2, double epsilon,
            double weightDecay) {
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
        this.weightDecay = weightDecay;
        weights.forEach((name, w) -> {
            first.put(name, manager.zeros(w.getShape(), w.getDataType()));
            second.put(name, manager.zeros(w.getShape(), w.getDataType()));
        });
    }

    /**
     * Applies one update with learning rate {@code lr} to every weight from its gradient, as
     * {@code w ← w − (lr/c₁)·m/(√v/√c₂ + ε) − lr·λ·w} with c₁ = 1 − β₁ᵗ, c₂ = 1 − β₂ᵗ (the bias corrections folded into
     * two scalars, as PyTorch's AdamW does). The scalars are made once per update, not per weight: on this engine each
     * is a few calls across JNI, which over a network's hundreds of weights cost more than the arithmetic.
     */
    public void update(Map<String, NDArray> weights, double lr) {
        step++;
        double correction1 = 1 - Math.pow(beta1, step);
        double correction2 = 1 - Math.pow(beta2, step);
        double[] values = {beta1, 1 - beta1, beta2, 1 - beta2, 1 / Math.sqrt(correction2), epsilon, lr / correction1,
            lr * weightDecay};
        try (NDScope constants = new NDScope()) {
            Map<DataType, NDArray[]> scalars = new EnumMap<>(DataType.class);
            for (Map.Entry<String, NDArray> entry : weights.entrySet()) {
                NDArray w = entry.getValue();
                NDArray m = first.get(entry.getKey());
                NDArray v = second.get(entry.getKey());
                NDArray[] c = scalars.computeIfAbsent(w.getDataType(), type -> {
                    NDArray[] made = new NDArray[values.length];
                    for (int i = 0; i < values.length; i++) {
                        made[i] = Scalars.of(w, values[i]);
                    }
                    return made;
                });
                try (NDScope scope = new NDScope()) {
                    NDArray g = w.getGradient();
                    m.muli(c[0]).addi(g.mul(c[1]));
                    v.muli(c[2]).addi(g.mul(g).muli(c[3]));
                    NDArray denominator = v.sqrt().muli(c[4]).addi(c[5]);
                    if (weightDecay != 0) {
                        w.subi(w.mul(c[7]));
                    }
                    w.subi(m.div(denominator).muli(c[6]));
                }
            }
        }
    }

    /** Number of updates applied. */
    public long steps() {
        return step;
    }

    /** The state to save: moments under "adam.m/NAME" and "adam.v/NAME". */
    public Map<String, NDArray> state() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        first.forEach((name, m) -> out.put("adam.m/" + name, m));
        second.forEach((name, v) -> out.put("adam.v/" + name, v));
        return out;
    }

    /** Restores moments saved by {@link #state()} after {@code steps} updates. */
    public void restore(Map<String, NDArray> saved, long steps, String what) {
        restore(first, "adam.m/", saved, what);
        restore(second, "adam.v/", saved, what);
        this.step = steps;
    }

    private static void restore(Map<String, NDArray> moments, String prefix, Map<String, NDArray> saved, String what) {
        for (Map.Entry<String, NDArray> entry : moments.entrySet()) {
            NDArray current = entry.getValue();
            NDArray source = saved.get(prefix + entry.getKey());
            if (source == null) {
                throw new DiffusionException(what + ": optimizer state '" + prefix + entry.getKey() + "' is missing");
            }
            if (!source.getShape().equals(current.getShape())) {
                throw new ShapeMismatchException(what + ": optimizer state '" + prefix + entry.getKey()
                        + "' has shape " + source.getShape() + ", expected " + current.getShape());
            }
            NDArray copy = NativeArrays.copy(source, current.getDataType());
            copy.attach(current.getManager());
            current.close();
            entry.setValue(copy);
        }
    }
}
