package org.diffusion4j.data;

import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.SplittableRandom;
import org.diffusion4j.UnknownNameException;
import org.diffusion4j.denoise.GaussianMixture;

/**
 * Seeded 2-D toy distributions, as in the FFJORD and flow-matching literature (Grathwohl et al. 2019): two moons,
 * swiss roll, checkerboard, concentric rings, pinwheel, or a Gaussian mixture from a spec. Unlabelled.
 */
public final class Toy2d {
    /** The built-in shapes. */
    public static final List<String> NAMES = List.of("moons", "swiss-roll", "checkerboard", "rings", "pinwheel");

    private Toy2d() {}

    /** {@code n} points of the toy called {@code name}, from {@code seed}. */
    public static ImageSet generate(String name, int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double[][] points = new double[n][];
        for (int i = 0; i < n; i++) {
            points[i] = switch (name) {
                case "moons" -> moon(random);
                case "swiss-roll" -> swissRoll(random);
                case "checkerboard" -> checkerboard(random);
                case "rings" -> ring(random);
                case "pinwheel" -> pinwheel(random);
                default -> throw new UnknownNameException("toy dataset", name, NAMES);
            };
        }
        return of(points, name);
    }

    /** {@code n} draws from a mixture. */
    public static ImageSet mixture(GaussianMixture mixture, int n, long seed, String name) {
        return of(mixture.sample(n, new SplittableRandom(seed)), name);
    }

    /** Points as an unlabelled set. */
    public static ImageSet of(double[][] points, String name) {
        int d = points[0].length;
        float[] values = new float[points.length * d];
        for (int i = 0; i < points.length; i++) {
            for (int j = 0; j < d; j++) {
                values[i * d + j] = (float) points[i][j];
            }
        }
        return new ImageSet(values, new int[points.length], new Shape(d), 0, name);
    }

    /** Two interleaved half circles with noise 0.1, scaled by 2 and shifted by (−1, −0.2). */
    private static double[] moon(SplittableRandom r) {
        double t = Math.PI * r.nextDouble();
        boolean upper = r.nextBoolean();
        double x = upper ? Math.cos(t) : 1 - Math.cos(t);
        double y = upper ? Math.sin(t) : 0.5 - Math.sin(t);
        return new double[] {2 * (x + 0.1 * r.nextGaussian()) - 1, 2 * (y + 0.1 * r.nextGaussian()) - 0.2};
    }

    /** t = 1.5π(1 + 2u), (t·cos t, t·sin t) plus unit noise, scaled by 1/5. */
    private static double[] swissRoll(SplittableRandom r) {
        double t = 1.5 * Math.PI * (1 + 2 * r.nextDouble());
        return new double[] {(t * Math.cos(t) + r.nextGaussian()) / 5, (t * Math.sin(t) + r.nextGaussian()) / 5};
    }

    /** Uniform on the black squares of a 4 × 4 board over [−4, 4]². */
    private static double[] checkerboard(SplittableRandom r) {
        double x1 = 4 * r.nextDouble() - 2;
        double x2 = r.nextDouble() - 2 * r.nextInt(2) + Math.floorMod((int) Math.floor(x1), 2);
        return new double[] {2 * x1, 2 * x2};
    }

    /** Four concentric circles of radii 3, 2.25, 1.5, 0.75, noise 0.08. */
    private static double[] ring(SplittableRandom r) {
        double radius = 0.75 * (1 + r.nextInt(4));
        double angle = 2 * Math.PI * r.nextDouble();
        return new double[] {radius * Math.cos(angle) + 0.08 * r.nextGaussian(),
            radius * Math.sin(angle) + 0.08 * r.nextGaussian()};
    }

    /** Five arms: radial noise 0.3, tangential 0.1, twisted by 0.25·e^{radial}, scaled by 2. */
    private static double[] pinwheel(SplittableRandom r) {
        int arm = r.nextInt(5);
        double radial = 0.3 * r.nextGaussian() + 1;
        double tangential = 0.1 * r.nextGaussian();
        double angle = 2 * Math.PI * arm / 5 + 0.25 * Math.exp(radial);
        double c = Math.cos(angle);
        double s = Math.sin(angle);
        return new double[] {2 * (radial * c - tangential * s), 2 * (radial * s + tangential * c)};
    }
}
