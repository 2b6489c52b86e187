package org.diffusion4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.UnknownNameException;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.backend.EngineThreads;
import org.diffusion4j.backend.ThreadPolicy;
import org.diffusion4j.data.ImageSet;
import org.diffusion4j.data.Toy2d;
import org.diffusion4j.eval.Classifier;
import org.diffusion4j.eval.FrechetDistance;
import org.diffusion4j.eval.ModelEvaluation;
import org.diffusion4j.generate.Generator;
import org.diffusion4j.io.ArrayFiles;
import org.diffusion4j.train.ModelSource;
import org.diffusion4j.train.TrainedModel;
import org.diffusion4j.train.TrainingData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same seeds give the same bits, samples and metrics, whatever the number of partitions (1 or 3, on a local[2]
 * session), and the samples are the single-process generator's.
 */
class PartitionInvarianceTest {
    private static final ModelSource MIXTURE = new ModelSource("gmm:eight-gaussians", null, null);
    private static final ModelSource MNIST = new ModelSource("bundled:mnist-edm", null, null);
    private static final Path MNIST_1K = Path.of("../diffusion4j-core/src/test/resources/org/diffusion4j/data/mnist-1k");

    private static SparkSession spark;

    @BeforeAll
    static void start() {
        EngineThreads.install(new ThreadPolicy.Fixed(1));
        spark = SparkSession.builder().master("local[2]").appName("PartitionInvarianceTest")
                .config("spark.ui.enabled", "false").config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.driver.host", "127.0.0.1").config("spark.sql.shuffle.partitions", "2").getOrCreate();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    /** The samples of every block, in order, read back from the shards the manifest lists (checking their hashes). */
    private static float[] readShards(Path dir, int expectedBlocks) throws Exception {
        JsonNode manifest = new ObjectMapper().readTree(dir.resolve("manifest.json").toFile());
        assertEquals(expectedBlocks, manifest.path("blocks").size());
        List<Float> values = new ArrayList<>();
        try (NDManager m = Backend.newManager()) {
            for (JsonNode b : manifest.path("blocks")) {
                Path file = dir.resolve(b.path("file").asText());
                assertEquals(b.path("sha256").asText(), SparkGeneration.sha256(file));
                for (float v : ArrayFiles.read(file, m).toFloatArray()) {
                    values.add(v);
                }
            }
        }
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(i);
        }
        return out;
    }

    /** What the single-process generator gives for the same blocks. */
    private static float[] single(ModelSource model, Settings settings, SeedBlocks blocks) {
        Generator generator = ExecutorModels.generator(model);
        float[] out = new float[0];
        try (NDManager m = Backend.newManager()) {
            for (SeedBlocks.Block b : blocks.blocks()) {
                float[] v = generator.generate(settings.request(b.seeds(), b.classes(generator.classes(),
                        settings.fixedClass())), m).samples().toType(DataType.FLOAT32, false).toFloatArray();
                int at = out.length;
                out = Arrays.copyOf(out, at + v.length);
                System.arraycopy(v, 0, out, at, v.length);
            }
        }
        return out;
    }

    @Test
    void mixtureShardsAreBitIdenticalWhateverThePartitions(@TempDir Path tmp) throws Exception {
        Settings settings = new Settings("dpmpp-2m-sde:eta=1", 8, null, 1, null); // stochastic: noise per seed too
        SeedBlocks blocks = new SeedBlocks(100, 50, 8); // 7 blocks, the last of 2
        SparkGeneration.Result one = SparkGeneration.run(spark, MIXTURE, settings, blocks, 1, 1, tmp.resolve("p1"),
                SparkGeneration.Format.NPY);
        SparkGeneration.Result three = SparkGeneration.run(spark, MIXTURE, settings, blocks, 3, 1, tmp.resolve("p3"),
                SparkGeneration.Format.NPY);
        assertEquals(one.shards(), three.shards(), "same files, seed ranges and SHA-256 with 1 and 3 partitions");
        float[] a = readShards(tmp.resolve("p1"), 7);
        float[] b = readShards(tmp.resolve("p3"), 7);
        assertEquals(50 * 2, a.length);
        assertArrayEquals(a, b);
        assertArrayEquals(single(MIXTURE, settings, blocks), a, "the single-process generator's samples, bit for bit");
        JsonNode manifest = new ObjectMapper().readTree(tmp.resolve("p3/manifest.json").toFile());
        assertEquals(100, manifest.path("blocks").get(0).path("first_seed").asLong());
        assertEquals(148, manifest.path("blocks").get(6).path("first_seed").asLong());
        assertEquals(2, manifest.path("blocks").get(6).path("count").asInt());
        assertEquals("dpmpp-2m-sde", manifest.path("sampler").asText());
        assertEquals(8, manifest.path("steps").asInt());
        assertEquals(3, manifest.path("partitions").asInt());
        assertNotEquals(a[0], a[2], "different seeds give different samples");
    }

    @Test
    void mnistShardsAndParquetRowsAreBitIdenticalWhateverThePartitions(@TempDir Path tmp) throws Exception {
        Settings settings = new Settings("euler", 2, null, 1, null);
        SeedBlocks blocks = new SeedBlocks(0, 12, 4);
        SparkGeneration.run(spark, MNIST, settings, blocks, 1, 1, tmp.resolve("p1"), SparkGeneration.Format.NPY);
        SparkGeneration.run(spark, MNIST, settings, blocks, 3, 1, tmp.resolve("p3"), SparkGeneration.Format.NPY);
        float[] a = readShards(tmp.resolve("p1"), 3);
        assertEquals(12 * 28 * 28, a.length);
        assertArrayEquals(a, readShards(tmp.resolve("p3"), 3));
        assertArrayEquals(single(MNIST, settings, blocks), a, "the single-process generator's samples, bit for bit");
        assertSame(ExecutorModels.generator(MNIST), ExecutorModels.generator(new ModelSource("bundled:mnist-edm",
                null, null)), "one model per executor JVM, shared by its tasks");

        SparkGeneration.run(spark, MNIST, settings, blocks, 3, 1, tmp.resolve("parquet"),
                SparkGeneration.Format.PARQUET);
        List<Row> rows = spark.read().parquet(tmp.resolve("parquet/samples.parquet").toString()).orderBy("seed")
                .collectAsList();
        assertEquals(12, rows.size());
        float[] fromParquet = new float[a.length];
        for (int i = 0; i < rows.size(); i++) {
            assertEquals(i, rows.get(i).getLong(rows.get(i).fieldIndex("seed")));
            assertEquals(i % 10, rows.get(i).getInt(rows.get(i).fieldIndex("class")));
            List<Float> sample = rows.get(i).getList(rows.get(i).fieldIndex("sample"));
            for (int j = 0; j < sample.size(); j++) {
                fromParquet[i * 784 + j] = sample.get(j);
            }
        }
        assertArrayEquals(a, fromParquet, "Parquet rows hold the same samples");
        JsonNode manifest = new ObjectMapper().readTree(tmp.resolve("parquet/manifest.json").toFile());
        assertTrue(manifest.path("files").size() >= 1);
        for (JsonNode f : manifest.path("files")) {
            assertEquals(f.path("sha256").asText(), SparkGeneration.sha256(tmp.resolve("parquet").resolve(
                    f.path("file").asText())));
        }
    }

    @Test
    void mixtureSweepMetricsAreIdenticalWhateverThePartitionsAndMatchTheSingleProcessOnes() {
        List<Settings> cells = List.of(new Settings("heun", null, 9, 1, null), new Settings("dpmpp-2m", null, 10, 1,
                null));
        SeedBlocks blocks = new SeedBlocks(7, 200, 32);
        ImageSet data = Toy2d.mixture(MIXTURE.mixture(), 10_000, 7, "gmm:eight-gaussians");
        SparkEvaluation.Measures measures = new SparkEvaluation.Measures(null, "gmm:eight-gaussians");
        List<SparkEvaluation.CellResult> one = SparkEvaluation.run(spark, MIXTURE, cells, blocks, 1, 1, data,
                measures);
        List<SparkEvaluation.CellResult> three = SparkEvaluation.run(spark, MIXTURE, cells, blocks, 3, 1, data,
                measures);
        assertEquals(one, three, "every metric the same bits with 1 and 3 partitions");
        assertEquals(5, one.get(0).steps());
        assertEquals(9, one.get(0).evaluations());
        assertEquals(10, one.get(1).steps());

        ModelEvaluation.RealSets real = ModelEvaluation.realSets(data, 200, 7);
        for (int c = 0; c < cells.size(); c++) {
            float[] samples = single(MIXTURE, cells.get(c), blocks);
            double fd = FrechetDistance.between(rows(real.a(), 2), rows(samples, 2));
            SparkEvaluation.CellResult r = one.get(c);
            assertEquals(fd, r.frechet(), 1e-9 * Math.max(1, fd), "Fréchet distance of the single-process samples");
            assertEquals(FrechetDistance.between(rows(real.a(), 2), rows(real.b(), 2)), r.frechetFloor(), 1e-9);
            try (NDManager m = Backend.newManager()) {
                ModelEvaluation.Result single = ModelEvaluation.evaluate(ExecutorModels.generator(MIXTURE),
                        cells.get(c).request(GenerationRequestSeeds.of(blocks), null),
                        new ModelEvaluation.Reference(data, null, MIXTURE.mixture()), m, i -> { });
                assertEquals(single.nll(), r.nll(), 1e-9, "NLL of d4j eval");
                assertEquals(single.nllFloor(), r.nllFloor(), 1e-9);
            }
            assertTrue(r.nll() > r.nllFloor(), "samples are less likely than real draws: " + r);
        }
        // the sweep tells the cells apart: DPM-Solver++(2M) at 10 calls is far closer than Heun at 9 (5 steps)
        assertTrue(one.get(1).frechet() < 0.5 && one.get(0).frechet() > 2, one.toString());
    }

    @Test
    void mnistEvaluationIsIdenticalWhateverThePartitionsAndMatchesDEval() {
        List<Settings> cells = List.of(new Settings("euler", null, 3, 1, null));
        SeedBlocks blocks = new SeedBlocks(0, 60, 20);
        ImageSet data;
        try (NDManager m = Backend.newManager()) {
            data = TrainingData.load(TrainedModel.bundled("mnist-edm", m).config(), MNIST_1K, false, note -> { });
        }
        SparkEvaluation.Measures measures = new SparkEvaluation.Measures("mnist", null);
        List<SparkEvaluation.CellResult> one = SparkEvaluation.run(spark, MNIST, cells, blocks, 1, 1, data, measures);
        List<SparkEvaluation.CellResult> three = SparkEvaluation.run(spark, MNIST, cells, blocks, 3, 1, data,
                measures);
        assertEquals(one, three, "every metric the same bits with 1 and 3 partitions");
        SparkEvaluation.CellResult r = one.get(0);
        try (NDManager m = Backend.newManager()) {
            // d4j eval generates in batches of 250, here one batch of 60 against Spark's blocks of 20: the U-Net's
            // float32 sums may differ in the last bits between batch sizes, hence the tolerance
            Classifier classifier = ExecutorModels.classifier("mnist");
            ModelEvaluation.Result single = ModelEvaluation.evaluate(ExecutorModels.generator(MNIST), cells.get(0)
                    .request(GenerationRequestSeeds.of(blocks), null), new ModelEvaluation.Reference(data, classifier,
                            null), m, i -> { });
            assertEquals(single.frechet(), r.frechet(), 1e-4 * single.frechet(), "d4j eval's Fréchet distance");
            assertEquals(single.frechetFloor(), r.frechetFloor(), 1e-6 * single.frechetFloor());
            assertEquals(single.classAccuracy(), r.classAccuracy(), 1.0 / 60 + 1e-12);
        }
        assertEquals(60, r.samples());
        assertEquals(3, r.steps());
        assertTrue(r.classAccuracy() > 0.5, "the classifier recognises most of the classes asked for: " + r);
    }

    @Test
    void badRequestsAreRefusedWithTheirReason(@TempDir Path tmp) {
        SeedBlocks blocks = new SeedBlocks(0, 4, 2);
        UnknownNameException sampler = assertThrows(UnknownNameException.class, () -> SparkGeneration.run(spark,
                MIXTURE, new Settings("no-such-sampler", 4, null, 1, null), blocks, 2, 1, tmp,
                SparkGeneration.Format.NPY));
        assertTrue(sampler.getMessage().contains("no-such-sampler"), sampler.getMessage());
        InvalidArgumentException unconditional = assertThrows(InvalidArgumentException.class,
                () -> SparkGeneration.run(spark, MIXTURE, new Settings("heun", 4, null, 1, 3), blocks, 2, 1, tmp,
                        SparkGeneration.Format.NPY));
        assertEquals("--class needs a class-conditional model", unconditional.getMessage());
        SparkGeneration.run(spark, MIXTURE, new Settings("heun", 2, null, 1, null), blocks, 2, 1, tmp.resolve("done"),
                SparkGeneration.Format.NPY);
        assertEquals("--out " + tmp.resolve("done") + " already holds manifest.json from an earlier run; choose another "
                + "folder or delete it", assertThrows(InvalidArgumentException.class, () -> SparkGeneration.run(spark,
                        MIXTURE, new Settings("heun", 2, null, 1, null), blocks, 2, 1, tmp.resolve("done"),
                        SparkGeneration.Format.NPY)).getMessage());
        assertEquals("give exactly one of --steps and --nfe", assertThrows(InvalidArgumentException.class,
                () -> new Settings("heun", 4, 8, 1, null)).getMessage());
        assertEquals("--n must be at least 1, got 0", assertThrows(InvalidArgumentException.class,
                () -> new SeedBlocks(0, 0, 8)).getMessage());
    }

    private static double[][] rows(float[] values, int per) {
        double[][] out = new double[values.length / per][per];
        for (int i = 0; i < out.length; i++) {
            for (int j = 0; j < per; j++) {
                out[i][j] = values[i * per + j];
            }
        }
        return out;
    }

    /** The seeds of all blocks, as one request's. */
    private static final class GenerationRequestSeeds {
        static long[] of(SeedBlocks blocks) {
            return org.diffusion4j.generate.GenerationRequest.consecutiveSeeds(blocks.first(), blocks.n());
        }
    }
}
