package org.diffusion4j.sample;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One step of a {@link StepLoop}, as a sampler's update sees it: its index and levels (σ̃ for Gaussian samplers, t
 * for the others), the model call, the noise, and the arrays it remembered in earlier steps. Valid during the step
 * only.
 */
public final class Step {
    private final int index;
    private final StepLoop.Levels levels;
    private final StepLoop.Model model;
    private final StepCallback callback;
    private final Map<String, List<NDArray>> history;
    private final Map<String, NDArray> remembered = new LinkedHashMap<>();
    private boolean observed;

    Step(int index, StepLoop.Levels levels, StepLoop.Model model, StepCallback callback,
            Map<String, List<NDArray>> history) {
        this.index = index;
        this.levels = levels;
        this.model = model;
        this.callback = callback;
        this.history = history;
    }

    /** The step's index i, 0 … steps − 1. */
    public int index() {
        return index;
    }

    /** Number of steps of the run. */
    public int steps() {
        return levels.steps();
    }

    /** Whether this is the first step. */
    public boolean isFirst() {
        return index == 0;
    }

    /** The level the step starts from, σ_i (or t_i). */
    public double sigma() {
        return levels.value(index);
    }

    /** The level the step goes to, σ_{i+1} (or t_{i+1}). */
    public double next() {
        return levels.value(index + 1);
    }

    /** Level j of the run. */
    public double sigma(int j) {
        return levels.value(j);
    }

    /** All levels of the run, a copy. */
    public double[] sigmas() {
        return levels.values();
    }

    /** D(x; σ), the run's denoiser; the first call of the step is reported to the callback. */
    public NDArray denoise(NDArray x, double sigma) {
        if (model.denoiser() == null) {
            throw new IllegalStateException("this step loop has no denoiser");
        }
        NDArray denoised = model.denoiser().denoise(x, sigma);
        observe(x, sigma, denoised);
        return denoised;
    }

    /** Standard normal noise like {@code like}, for the move from level {@code from} to {@code to}. */
    public NDArray noise(NDArray like, double from, double to) {
        return model.noise().sample(like, from, to);
    }

    /**
     * Reports a model call on {@code x} at level {@code at} with output {@code output} to the callback, if it is the
     * step's first; samplers with a model of their own call this, {@link #denoise} does it for the denoiser.
     */
    public void observe(NDArray x, double at, NDArray output) {
        if (!observed) {
            observed = true;
            callback.onStep(new StepInfo(index, levels.steps(), sigma(), at, x, output));
        }
    }

    /** The array remembered under {@code key} k ≥ 1 steps ago, or null when there is none (yet). */
    public NDArray previous(String key, int k) {
        List<NDArray> list = history.get(key);
        return list == null || k < 1 || k > list.size() ? null : list.get(k - 1);
    }

    /** Keeps {@code value} for later steps under {@code key} (one value per key and step). */
    public void remember(String key, NDArray value) {
        remembered.put(key, value);
    }

    /** Each key's remembered values, newest first, at most {@code depth} of them. */
    Map<String, List<NDArray>> nextHistory(int depth) {
        Map<String, List<NDArray>> next = new LinkedHashMap<>();
        if (depth == 0) {
            return next;
        }
        for (Map.Entry<String, NDArray> e : remembered.entrySet()) {
            List<NDArray> list = new ArrayList<>();
            list.add(e.getValue());
            List<NDArray> old = history.getOrDefault(e.getKey(), List.of());
            list.addAll(old.subList(0, Math.min(old.size(), depth - 1)));
            next.put(e.getKey(), list);
        }
        history.forEach((key, old) -> next.putIfAbsent(key, old));
        return next;
    }
}
