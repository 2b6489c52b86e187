package org.diffusion4j.bench;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.backend.EngineThreads;
import org.diffusion4j.backend.ThreadPolicy;
import org.diffusion4j.generate.GenerationRequest;
import org.diffusion4j.generate.Generator;

/**
 * Same seeds, same samples? Generates the same seeds with a model under each sampler, once as the reference (one
 * batch, the first thread count) and again in smaller batches, with other intra-op thread counts and as a plain
 * repeat, and compares every value with the reference: bit-identical, or the largest absolute difference.
 */
public final class DeterminismTable {
    private DeterminismTable() {}

    /**
     * @param samplers sampler specs
     * @param seeds how many samples (seeds 0 … seeds − 1, class i mod classes for a conditional model)
     * @param steps sampler steps
     * @param batches batch sizes to compare with one batch of all seeds
     * @param threads intra-op thread counts; the first is the reference's
     */
    public record Settings(List<String> samplers, int seeds, int steps, List<Integer> batches, List<Integer> threads) {}

    /**
     * One comparison with the reference.
     *
     * @param sampler the sampler spec
     * @param stochastic whether it draws noise during sampling
     * @param variant what differs from the reference (batch size, threads, a repeat)
     * @param identical every value equals the reference's bit for bit
     * @param maxAbsDifference the largest |difference| (0 when identical)
     * @param differingValues how many values differ
     * @param values how many values were compared
     * @param seconds time of the run
     */
    public record Row(String sampler, boolean stochastic, String variant, boolean identical, double maxAbsDifference,
            long differingValues, long values, double seconds) {}

    /** Runs every comparison on {@code generator}; {@code progress} hears each finished row. */
    public static List<Row> run(Generator generator, Settings s, Consumer<Row> progress) {
        List<Row> rows = new ArrayList<>();
        for (String sampler : s.samplers()) {
            boolean stochastic = org.diffusion4j.sample.SamplerRegistry.create(sampler).isStochastic();
            int first = s.threads().get(0);
            float[] reference = EngineThreads.using(new ThreadPolicy.Fixed(first), () -> {
                long t0 = System.nanoTime();
                float[] values = generate(generator, sampler, s, s.seeds());
                double referenceSeconds = (System.nanoTime() - t0) / 1e9;
                rows.add(add(progress, new Row(sampler, stochastic, "reference: batch " + s.seeds() + ", " + first
                        + " thread" + (first == 1 ? "" : "s"), true, 0, 0, values.length, referenceSeconds)));
                rows.add(add(progress, compare(sampler, stochastic, "repeat", values,
                        () -> generate(generator, sampler, s, s.seeds()))));
                for (int batch : s.batches()) {
                    if (batch != s.seeds()) {
                        rows.add(add(progress, compare(sampler, stochastic, "batch " + batch, values,
                                () -> generate(generator, sampler, s, batch))));
                    }
                }
                return values;
            });
            for (int threads : s.threads().subList(1, s.threads().size())) {
                EngineThreads.using(new ThreadPolicy.Fixed(threads), () -> {
                    rows.add(add(progress, compare(sampler, stochastic, threads + " threads, batch " + s.seeds(),
                            reference, () -> generate(generator, sampler, s, s.seeds()))));
                    for (int batch : s.batches()) {
                        if (batch != s.seeds()) {
                            rows.add(add(progress, compare(sampler, stochastic, threads + " threads, batch " + batch,
                                    reference, () -> generate(generator, sampler, s, batch))));
                        }
                    }
                    return null;
                });
            }
        }
        return rows;
    }

    private static Row add(Consumer<Row> progress, Row row) {
        progress.accept(row);
        return row;
    }

    private interface Run {
        float[] samples();
    }

    private static Row compare(String sampler, boolean stochastic, String variant, float[] reference, Run run) {
        long t0 = System.nanoTime();
        float[] other = run.samples();
        double seconds = (System.nanoTime() - t0) / 1e9;
        double max = 0;
        long differing = 0;
        for (int i = 0; i < reference.length; i++) {
            if (Float.floatToRawIntBits(reference[i]) != Float.floatToRawIntBits(other[i])) {
                differing++;
                max = Math.max(max, Math.abs((double) reference[i] - other[i]));
            }
        }
        return new Row(sampler, stochastic, variant, differing == 0, max, differing, reference.length, seconds);
    }

    /** The samples of seeds 0 … seeds − 1, generated in batches of {@code batch}, in seed order. */
    static float[] generate(Generator generator, String sampler, Settings s, int batch) {
        List<float[]> parts = new ArrayList<>();
        int total = 0;
        for (int from = 0; from < s.seeds(); from += batch) {
            int n = Math.min(batch, s.seeds() - from);
            long[] seeds = GenerationRequest.consecutiveSeeds(from, n);
            int[] classes = null;
            if (generator.classes() > 0) {
                classes = new int[n];
                for (int i = 0; i < n; i++) {
                    classes[i] = (from + i) % generator.classes();
                }
            }
            try (NDManager manager = Backend.newManager()) {
                float[] part = generator.generate(GenerationRequest.builder(seeds).classes(classes).sampler(sampler)
                        .steps(s.steps()).build(), manager).samples().toFloatArray();
                parts.add(part);
                total += part.length;
            }
        }
        float[] out = new float[total];
        int at = 0;
        for (float[] part : parts) {
            System.arraycopy(part, 0, out, at, part.length);
            at += part.length;
        }
        return Arrays.copyOf(out, at);
    }
}
