package org.diffusion4j.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;

/**
 * Improved precision and recall (Kynkäänniemi et al. 2019): each set is approximated by the union of balls around
 * its points whose radius is the distance to the k-th nearest neighbour within the set. Precision is the fraction of
 * generated points inside the real manifold, recall the fraction of real points inside the generated one.
 */
public final class PrecisionRecall {
    private PrecisionRecall() {}

    /** Precision and recall. */
    public record Result(double precision, double recall) {}

    /** With k nearest neighbours (the paper uses k = 3); pairwise distances are computed in blocks by the engine. */
    public static Result of(double[][] real, double[][] generated, int k, NDManager manager) {
        double[] realRadii = radii(real, k, manager);
        double[] generatedRadii = radii(generated, k, manager);
        return new Result(coverage(generated, real, realRadii, manager),
                coverage(real, generated, generatedRadii, manager));
    }

    /** Distance of each point to its k-th nearest neighbour in its own set. */
    private static double[] radii(double[][] set, int k, NDManager manager) {
        double[] out = new double[set.length];
        forEachDistanceBlock(set, set, manager, (row, distances) -> {
            double[] sorted = distances.clone();
            Arrays.sort(sorted);
            out[row] = sorted[Math.min(k, sorted.length - 1)];
        });
        return out;
    }

    /** Fraction of {@code queries} within the radius of some point of {@code support}. */
    private static double coverage(double[][] queries, double[][] support, double[] radii, NDManager manager) {
        int[] inside = new int[1];
        forEachDistanceBlock(queries, support, manager, (row, distances) -> {
            for (int j = 0; j < distances.length; j++) {
                if (distances[j] <= radii[j]) {
                    inside[0]++;
                    return;
                }
            }
        });
        return (double) inside[0] / queries.length;
    }

    private interface RowConsumer {
        void accept(int row, double[] distances);
    }

    private static void forEachDistanceBlock(double[][] a, double[][] b, NDManager parent, RowConsumer consumer) {
        int d = a[0].length;
        try (NDManager m = parent.newSubManager()) {
            NDArray bb = m.create(flatten(b), new Shape(b.length, d));
            NDArray bNorms = bb.mul(bb).sum(new int[] {1});
            int block = 512;
            for (int start = 0; start < a.length; start += block) {
                int end = Math.min(a.length, start + block);
                try (NDManager s = m.newSubManager()) {
                    NDArray ab = s.create(flatten(Arrays.copyOfRange(a, start, end)), new Shape(end - start, d));
                    NDArray squared = ab.mul(ab).sum(new int[] {1}).expandDims(1).add(bNorms.expandDims(0))
                            .sub(ab.matMul(bb.transpose()).mul(2)).maximum(0);
                    double[] flat = squared.sqrt().toDoubleArray();
                    for (int i = 0; i < end - start; i++) {
                        consumer.accept(start + i, Arrays.copyOfRange(flat, i * b.length, (i + 1) * b.length));
                    }
                }
            }
        }
    }

    static double[] flatten(double[][] rows) {
        double[] out = new double[rows.length * rows[0].length];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, out, i * rows[0].length, rows[0].length);
        }
        return out;
    }
}
