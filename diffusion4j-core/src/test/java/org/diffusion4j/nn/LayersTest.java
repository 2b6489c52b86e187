package org.diffusion4j.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.backend.Convolutions;
import org.junit.jupiter.api.Test;

/** The hand-written layers against plain float64 Java computations of their definitions. */
class LayersTest {

    private static double[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = r.nextGaussian();
        }
        return out;
    }

    @Test
    void groupNormNormalizesEachGroup() {
        int b = 2;
        int c = 8;
        int hw = 5;
        double[] x = random(b * c * hw, 1);
        try (NDManager m = Backend.newManager()) {
            Weights weights = Weights.initialize(m, DataType.FLOAT64, 3);
            GroupNorm norm = new GroupNorm(weights.scope("gn"), c);
            double[] out = norm.apply(m.create(x, new Shape(b, c, hw))).toDoubleArray();
            int groups = 2;
            int per = c / groups * hw;
            for (int s = 0; s < b; s++) {
                for (int g = 0; g < groups; g++) {
                    double mean = 0;
                    double sq = 0;
                    for (int i = 0; i < per; i++) {
                        double v = x[s * c * hw + g * per + i];
                        mean += v;
                        sq += v * v;
                    }
                    mean /= per;
                    double var = sq / per - mean * mean;
                    for (int i = 0; i < per; i++) {
                        int k = s * c * hw + g * per + i;
                        assertEquals((x[k] - mean) / Math.sqrt(var + 1e-5), out[k], 1e-12);
                    }
                }
            }
        }
    }

    /** out = x + P·(V·softmax(QᵀK/√C)ᵀ) with [Q; K; V] = W·GroupNorm(x), written with plain matrix products. */
    @Test
    void attentionIsSoftmaxWeightedValues() {
        int c = 4;
        try (NDManager m = Backend.newManager()) {
            Weights weights = Weights.initialize(m, DataType.FLOAT64, 9);
            SelfAttention2d attention = new SelfAttention2d(weights.scope("attn"), c);
            NDArray projection = weights.all().get("attn.proj.weight");
            projection.addi(m.create(random(c * c, 11), new Shape(c, c, 1, 1)));
            NDArray x = m.create(random(c * 6, 5), new Shape(1, c, 2, 3));
            NDArray out = attention.apply(x).reshape(c, 6);

            NDArray h = new GroupNorm(Weights.initialize(m, DataType.FLOAT64, 0).scope("n"), c).apply(x).reshape(c, 6);
            NDArray qkv = weights.all().get("attn.qkv.weight").reshape(3 * c, c).matMul(h);
            NDArray q = qkv.get("0:4");
            NDArray k = qkv.get("4:8");
            NDArray v = qkv.get("8:12");
            NDArray scores = q.transpose().matMul(k).div(Math.sqrt(c));
            NDArray softmax = scores.sub(scores.max(new int[] {1}, true)).exp();
            softmax = softmax.div(softmax.sum(new int[] {1}, true));
            NDArray expected = x.reshape(c, 6).add(projection.reshape(c, c).matMul(v.matMul(softmax.transpose())));
            assertTrue(out.sub(expected).abs().max().getDouble() < 1e-12);
        }
    }

    @Test
    void positionalEmbeddingIsCosinesThenSines() {
        try (NDManager m = Backend.newManager()) {
            double[] out = NoiseEmbedding.positional(8).apply(m.create(new double[] {0.7})).toDoubleArray();
            for (int i = 0; i < 4; i++) {
                double f = Math.pow(1e-4, i / 4.0);
                assertEquals(Math.cos(0.7 * f), out[i], 1e-15);
                assertEquals(Math.sin(0.7 * f), out[4 + i], 1e-15);
            }
        }
    }

    /** Padding the filters to a multiple of 16 changes nothing in the result. */
    @Test
    void paddedConvolutionEqualsThePlainOne() {
        try (NDManager m = Backend.newManager()) {
            Weights weights = Weights.initialize(m, DataType.FLOAT64, 4);
            Conv conv = new Conv(weights.scope("c"), 2, 3, 3, 2, 1);
            NDArray x = m.create(random(2 * 2 * 6 * 6, 8), new Shape(2, 2, 6, 6));
            NDArray padded = conv.apply(x);
            NDArray plain = ai.djl.nn.convolutional.Conv2d.conv2d(x, weights.all().get("c.weight"),
                    weights.all().get("c.bias"), new Shape(2, 2), new Shape(1, 1), new Shape(1, 1), 1)
                    .singletonOrThrow();
            assertEquals(new Shape(2, 3, 3, 3), padded.getShape());
            assertTrue(padded.sub(plain).abs().max().getDouble() == 0);
            assertEquals(16, Convolutions.padded(3));
            assertEquals(32, Convolutions.padded(17));
        }
    }
}
