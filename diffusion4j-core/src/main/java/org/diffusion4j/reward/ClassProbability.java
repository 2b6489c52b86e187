package org.diffusion4j.reward;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.util.Arrays;
import java.util.List;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.eval.Classifier;

/**
 * The probability a trained classifier (by default the bundled one of the model's dataset, the one {@code d4j eval}
 * measures class accuracy with) gives the class each sample was generated for.
 */
final class ClassProbability implements Reward {
    private final Classifier classifier;
    private final String spec;

    ClassProbability(Classifier classifier, String spec) {
        this.classifier = classifier;
        this.spec = spec;
    }

    @Override
    public String spec() {
        return spec;
    }

    @Override
    public boolean needsClasses() {
        return true;
    }

    @Override
    public double[] score(NDArray samples, int[] classes) {
        if (classes == null) {
            throw new InvalidArgumentException("the reward " + spec + " scores the probability of the class each "
                    + "sample was generated for, but the model is unconditional");
        }
        List<Integer> shape = Arrays.stream(samples.getShape().getShape()).skip(1).mapToObj(d -> (int) d).toList();
        if (!shape.equals(classifier.imageShape())) {
            throw new InvalidArgumentException("the reward " + spec + "'s classifier takes images of shape "
                    + classifier.imageShape() + ", got samples of shape " + shape);
        }
        int n = classes.length;
        double[][] p = classifier.probabilities(samples.toType(DataType.FLOAT32, false).toFloatArray(), n);
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            if (classes[i] < 0 || classes[i] >= classifier.classes()) {
                throw new InvalidArgumentException("the reward " + spec + "'s classifier has " + classifier.classes()
                        + " classes, got class " + classes[i]);
            }
            out[i] = p[i][classes[i]];
        }
        return out;
    }

    @Override
    public void close() {
        classifier.close();
    }
}
