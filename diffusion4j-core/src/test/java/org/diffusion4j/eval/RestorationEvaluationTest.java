package org.diffusion4j.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.SplittableRandom;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.backend.NativeArrays;
import org.diffusion4j.data.ImageSet;
import org.diffusion4j.generate.Generation;
import org.diffusion4j.generate.GenerationRequest;
import org.diffusion4j.generate.Generator;
import org.diffusion4j.restore.RestorationTask;
import org.junit.jupiter.api.Test;

/**
 * The restoration measures of a known restorer: the block-upsampled observation of noiseless 4× super-resolution,
 * which is exactly consistent, has a distortion computed here independently, and varies only by the noise a
 * stochastic version adds.
 */
class RestorationEvaluationTest {

    private static final RestorationTask SR4 = RestorationTask.byName("sr4");

    @Test
    void theUpsampledObservationMeasuresAsComputedByHand() {
        ImageSet clean = images(60, 1);
        ImageSet others = images(60, 2);
        RestorationEvaluation.TestSet test = new RestorationEvaluation.TestSet(SR4, clean, 7);
        try (NDManager m = Backend.newManager(); Classifier classifier = Classifier.bundled("mnist")) {
            GenerationRequest request = GenerationRequest.builder(GenerationRequest.consecutiveSeeds(0, 50)).steps(1)
                    .build();
            RestorationEvaluation.Result exact = RestorationEvaluation.evaluate(new Upsampler(SR4, 0), request, test,
                    classifier, others, 10, 4, m, done -> { });
            double[] mse = new double[50];
            double meanMse = 0;
            double meanPsnr = 0;
            float[] x = clean.values();
            for (int i = 0; i < 50; i++) {
                for (int r = 0; r < 28; r++) {
                    for (int c = 0; c < 28; c++) {
                        double block = 0;
                        for (int a = 0; a < 4; a++) {
                            for (int b = 0; b < 4; b++) {
                                block += x[i * 784 + (r / 4 * 4 + a) * 28 + c / 4 * 4 + b] / 16.0;
                            }
                        }
                        double d = block - x[i * 784 + r * 28 + c];
                        mse[i] += d * d / 784;
                    }
                }
                meanMse += mse[i] / 50;
                meanPsnr += 10 * Math.log10(4 / mse[i]) / 50;
            }
            assertEquals(meanMse, exact.mse(), 1e-6 * meanMse);
            assertEquals(meanPsnr, exact.psnr(), 1e-4);
            assertEquals(0, exact.consistency(), 1e-6, "A(A⁺y) = y");
            assertEquals(0, exact.variability(), 1e-7, "a deterministic restorer does not vary");
            assertEquals(50, exact.inputs());
            assertTrue(exact.frechetToClean() > 0.1 && exact.frechet() > exact.frechetFloor(), exact.toString());

            RestorationEvaluation.Result perfect = RestorationEvaluation.evaluate(new Oracle(clean), request, test,
                    classifier, others, 0, 0, m, done -> { });
            assertEquals(perfect.frechetFloor(), perfect.frechet(), 1e-9, "the clean images reach the floor");
            assertEquals(exact.frechetFloor(), perfect.frechetFloor(), 1e-9, "one floor per test set");
            assertEquals(0, perfect.frechetToClean(), 1e-4, "up to the matrix square root's rounding");
            assertEquals(0, perfect.mse(), 0);

            RestorationEvaluation.Result noisy = RestorationEvaluation.evaluate(new Upsampler(SR4, 0.1), request, test,
                    classifier, others, 10, 4, m, done -> { });
            assertEquals(0.1, noisy.variability(), 0.01, "the added noise's standard deviation");
            assertEquals(0.1 / 4, noisy.consistency(), 0.0015, "16-pixel block means of it");
            assertEquals(meanMse + 0.01, noisy.mse(), 0.001, "distortion plus the noise's variance");

            RestorationEvaluation.Sensitivity sensitivity = RestorationEvaluation.sensitivity(new Upsampler(SR4, 0),
                    request, test, 20, new double[] {0.02, 0.1}, 10, 1, RestorationEvaluation.ATTACK_BATCH, m,
                    done -> { });
            assertEquals(0.02, sensitivity.change()[0], 1e-6, "A⁺ moves every pixel by ±ε at PGD's corner");
            assertEquals(0.1, sensitivity.change()[1], 1e-6);
            RestorationEvaluation.Sensitivity inThrees = RestorationEvaluation.sensitivity(new Upsampler(SR4, 0),
                    request, test, 20, new double[] {0.02}, 10, 1, 3, m, done -> { });
            assertEquals(0.02, inThrees.change()[0], 1e-6, "in batches of 3 (the last of 2) as well");

            assertThrows(InvalidArgumentException.class, () -> RestorationEvaluation.evaluate(new Upsampler(SR4, 0),
                    GenerationRequest.builder(GenerationRequest.consecutiveSeeds(0, 61)).steps(1).build(), test,
                    classifier, others, 0, 0, m, done -> { }));
        }
    }

    /** Different seeds give different test inputs' observation noise, the same seed the same. */
    @Test
    void observationsDependOnTheSeedAndIndexAlone() {
        RestorationTask denoise = RestorationTask.byName("denoise");
        ImageSet clean = images(6, 3);
        try (NDManager m = Backend.newManager()) {
            RestorationEvaluation.TestSet test = new RestorationEvaluation.TestSet(denoise, clean, 5);
            float[] all = test.observations(0, 6, m).toFloatArray();
            float[] tail = test.observations(4, 6, m).toFloatArray();
            for (int i = 0; i < tail.length; i++) {
                assertEquals(all[4 * 784 + i], tail[i], 0f);
            }
            float[] other = new RestorationEvaluation.TestSet(denoise, clean, 6).observations(4, 6, m).toFloatArray();
            assertTrue(Math.abs(other[0] - tail[0]) > 0 || Math.abs(other[1] - tail[1]) > 0);
        }
    }

    private static ImageSet images(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] values = new float[n * 784];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextDouble(-1, 1);
        }
        return new ImageSet(values, new int[n], new Shape(1, 28, 28), 10, "uniform");
    }

    /**
     * The task's prior x₁ (A⁺y for super-resolution), plus Gaussian noise of standard deviation {@code noise} drawn
     * from each seed.
     */
    /** Answers clean image i for seed i (the request's seeds index the test set). */
    private record Oracle(ImageSet clean) implements Generator {
        @Override
        public String kind() {
            return "oracle";
        }

        @Override
        public Shape sampleShape() {
            return new Shape(1, 28, 28);
        }

        @Override
        public int classes() {
            return 0;
        }

        @Override
        public List<String> samplers() {
            return List.of("oracle");
        }

        @Override
        public String defaultSampler() {
            return "oracle";
        }

        @Override
        public Generation generate(GenerationRequest request, NDManager manager) {
            int[] indices = java.util.Arrays.stream(request.seeds()).mapToInt(Math::toIntExact).toArray();
            return new Generation(clean.batch(manager, indices), 1, 1, "oracle");
        }
    }

    private record Upsampler(RestorationTask task, double noise) implements Generator {
        @Override
        public String kind() {
            return "upsampler";
        }

        @Override
        public Shape sampleShape() {
            return new Shape(1, 28, 28);
        }

        @Override
        public int classes() {
            return 0;
        }

        @Override
        public List<String> samplers() {
            return List.of("upsample");
        }

        @Override
        public String defaultSampler() {
            return "upsample";
        }

        @Override
        public Generation generate(GenerationRequest request, NDManager manager) {
            NDArray x = task.prior(request.observation()); // differentiable: attacks go through it
            long[] seeds = request.seeds();
            NDArray[] draws = new NDArray[seeds.length];
            for (int i = 0; i < seeds.length; i++) {
                draws[i] = NativeArrays.standardNormal(new SplittableRandom(seeds[i]), new Shape(1, 1, 28, 28),
                        manager).toType(x.getDataType(), false);
            }
            NDArray noiseDraws = ai.djl.ndarray.NDArrays.concat(new ai.djl.ndarray.NDList(draws));
            return new Generation(x.add(org.diffusion4j.backend.Scalars.times(noiseDraws, noise)), 1, 1,
                    "upsample");
        }
    }
}
