package org.diffusion4j.spark;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.generate.Generation;
import org.diffusion4j.generate.Generator;
import org.diffusion4j.io.ArrayFiles;
import org.diffusion4j.io.AtomicFiles;
import org.diffusion4j.train.ModelSource;

/**
 * Distributed generation: the seed blocks of N samples spread over partitions, each block generated as one batch
 * on an executor (the model loaded once per executor), written as a {@code .npy} shard per block or as Parquet rows,
 * and a {@code manifest.json} (shards, seed ranges, model, sampler, SHA-256 of every file) written atomically by the
 * driver once every shard is in place.
 */
public final class SparkGeneration {
    private SparkGeneration() {}

    /** The output formats. */
    public enum Format {
        NPY, PARQUET;

        /** Parses {@code npy} or {@code parquet}. */
        public static Format parse(String name) {
            for (Format f : values()) {
                if (f.name().equalsIgnoreCase(name)) {
                    return f;
                }
            }
            throw new InvalidArgumentException("unknown --format '" + name + "'; expected npy or parquet");
        }
    }

    /**
     * One written block.
     *
     * @param block the block's index
     * @param file the shard's name in the output folder ({@code .npy}), or null for Parquet rows
     * @param firstSeed the seed of its first sample
     * @param count its samples
     * @param sha256 the shard file's SHA-256, or null for Parquet rows
     * @param evaluations model calls per sample
     * @param steps sampler steps
     * @param sampler the sampler's name
     */
    public record Shard(int block, String file, long firstSeed, int count, String sha256, long evaluations, int steps,
            String sampler) implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    /** What a run wrote: the shards in block order, and the manifest's path. */
    public record Result(List<Shard> shards, Path manifest, List<String> files) {}

    /**
     * Generates the samples of {@code blocks} with {@code model} over {@code partitions} partitions into {@code out}.
     *
     * @param threads the engine's intra-op threads per task
     */
    public static Result run(SparkSession spark, ModelSource model, Settings settings, SeedBlocks blocks,
            int partitions, int threads, Path out, Format format) {
        Generator generator = ExecutorModels.generator(model);
        settings.check(generator);
        long[] shape = generator.sampleShape().getShape();
        Path dir = out.toAbsolutePath();
        for (String earlier : List.of("manifest.json", "samples.parquet")) {
            if (Files.exists(dir.resolve(earlier))) {
                throw new InvalidArgumentException("--out " + out + " already holds " + earlier + " from an earlier "
                        + "run; choose another folder or delete it");
            }
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + out + ": " + e.getMessage(), e);
        }
        JavaSparkContext context = JavaSparkContext.fromSparkContext(spark.sparkContext());
        JavaRDD<SeedBlocks.Block> rdd = context.parallelize(blocks.blocks(), partitions);
        List<Shard> shards;
        List<String> files = new ArrayList<>();
        if (format == Format.NPY) {
            String folder = dir.toString();
            shards = new ArrayList<>(SparkJobs.collect(rdd.mapPartitions(it -> ExecutorModels.inTask(threads, () -> {
                List<Shard> written = new ArrayList<>();
                while (it.hasNext()) {
                    written.add(writeShard(model, settings, it.next(), Path.of(folder)));
                }
                return written;
            }).iterator())));
            shards.sort(Comparator.comparingInt(Shard::block));
            shards.forEach(s -> files.add(s.file()));
        } else {
            List<Shard> collected = new ArrayList<>();
            JavaRDD<Row> rows = rdd.mapPartitions(it -> ExecutorModels.inTask(threads, () -> {
                List<Row> batch = new ArrayList<>();
                while (it.hasNext()) {
                    batch.addAll(rows(model, settings, it.next()));
                }
                return batch;
            }).iterator());
            StructType schema = new StructType().add("block", DataTypes.IntegerType, false)
                    .add("seed", DataTypes.LongType, false).add("class", DataTypes.IntegerType, true)
                    .add("sample", DataTypes.createArrayType(DataTypes.FloatType, false), false)
                    .add("evaluations", DataTypes.LongType, false).add("steps", DataTypes.IntegerType, false)
                    .add("sampler", DataTypes.StringType, false);
            Path parquet = dir.resolve("samples.parquet");
            SparkJobs.run(() -> spark.createDataFrame(rows, schema).write().mode(SaveMode.ErrorIfExists)
                    .parquet(parquet.toString()));
            Row first = spark.read().parquet(parquet.toString()).select("evaluations", "steps", "sampler").first();
            for (SeedBlocks.Block b : blocks.blocks()) {
                collected.add(new Shard(b.index(), null, b.firstSeed(), b.count(), null, first.getLong(0),
                        first.getInt(1), first.getString(2)));
            }
            shards = collected;
            try (Stream<Path> parts = Files.list(parquet)) {
                parts.filter(p -> p.getFileName().toString().endsWith(".parquet")).sorted()
                        .forEach(p -> files.add(dir.relativize(p).toString()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        Path manifest = dir.resolve("manifest.json");
        AtomicFiles.writeString(manifest, manifest(model, settings, blocks, partitions, format, shape, shards, files,
                dir).toPrettyString() + "\n");
        return new Result(shards, manifest, files);
    }

    private static Generation generate(ModelSource model, Settings settings, SeedBlocks.Block block,
            NDManager manager) {
        Generator generator = ExecutorModels.generator(model);
        return generator.generate(settings.request(block.seeds(), block.classes(generator.classes(),
                settings.fixedClass())), manager);
    }

    private static Shard writeShard(ModelSource model, Settings settings, SeedBlocks.Block block, Path dir) {
        try (NDManager manager = ExecutorModels.taskManager()) {
            Generation g = generate(model, settings, block, manager);
            String name = String.format(Locale.ROOT, "shard-%05d.npy", block.index());
            Path file = dir.resolve(name);
            ArrayFiles.write(file, g.samples());
            return new Shard(block.index(), name, block.firstSeed(), block.count(), sha256(file), g.evaluations(),
                    g.steps(), g.sampler());
        }
    }

    private static List<Row> rows(ModelSource model, Settings settings, SeedBlocks.Block block) {
        try (NDManager manager = ExecutorModels.taskManager()) {
            Generator generator = ExecutorModels.generator(model);
            int[] classes = block.classes(generator.classes(), settings.fixedClass());
            Generation g = generate(model, settings, block, manager);
            float[] values = g.samples().toType(DataType.FLOAT32, false).toFloatArray();
            int per = values.length / block.count();
            List<Row> rows = new ArrayList<>(block.count());
            for (int i = 0; i < block.count(); i++) {
                float[] sample = java.util.Arrays.copyOfRange(values, i * per, (i + 1) * per);
                rows.add(RowFactory.create(block.index(), block.firstSeed() + i, classes == null ? null : classes[i],
                        sample, g.evaluations(), g.steps(), g.sampler()));
            }
            return rows;
        }
    }

    private static ObjectNode manifest(ModelSource model, Settings settings, SeedBlocks blocks, int partitions,
            Format format, long[] shape, List<Shard> shards, List<String> files, Path dir) {
        ObjectMapper json = new ObjectMapper();
        ObjectNode m = json.createObjectNode();
        m.put("format", format.name().toLowerCase(Locale.ROOT));
        m.put("model", model.name());
        if (model.process() != null) {
            m.put("process", model.process());
        }
        Shard first = shards.get(0);
        m.put("sampler", first.sampler());
        if (settings.sampler() != null) {
            m.put("sampler_spec", settings.sampler());
        }
        m.put("steps", first.steps());
        m.put("nfe_per_sample", first.evaluations());
        m.put("cfg_scale", settings.guidance());
        if (settings.fixedClass() != null) {
            m.put("class", settings.fixedClass());
        }
        m.put("first_seed", blocks.first());
        m.put("n", blocks.n());
        m.put("block_size", blocks.blockSize());
        m.put("partitions", partitions);
        m.put("dtype", "float32");
        ArrayNode sampleShape = m.putArray("sample_shape");
        for (long s : shape) {
            sampleShape.add(s);
        }
        ArrayNode blockList = m.putArray("blocks");
        for (Shard s : shards) {
            ObjectNode b = blockList.addObject();
            b.put("block", s.block());
            b.put("first_seed", s.firstSeed());
            b.put("count", s.count());
            if (s.file() != null) {
                b.put("file", s.file());
                b.put("sha256", s.sha256());
            }
        }
        if (format == Format.PARQUET) {
            ArrayNode parts = m.putArray("files");
            for (String f : files) {
                ObjectNode p = parts.addObject();
                p.put("file", f);
                p.put("sha256", sha256(dir.resolve(f)));
            }
        }
        return m;
    }

    /** The SHA-256 of a file, in hex. */
    static String sha256(Path file) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(digest.digest(Files.readAllBytes(file)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
