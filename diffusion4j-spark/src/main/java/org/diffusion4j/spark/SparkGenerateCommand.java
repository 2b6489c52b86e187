package org.diffusion4j.spark;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.diffusion4j.train.ModelSource;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code d4j spark generate}: N samples over Spark partitions, as shards with a manifest. */
@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Generate N samples on Spark: seed blocks as partitions, the model loaded once per executor.",
            "Sample i uses seed S + i and, for a class-conditional model, class i mod the classes (or --class); "
                    + "the samples are bit-identical to d4j sample's in batches of --block, whatever --partitions.",
            "Writes OUT/shard-BLOCK.npy per block (or OUT/samples.parquet) and OUT/manifest.json: shards, seed "
                    + "ranges, model, sampler, SHA-256."})
final class SparkGenerateCommand implements Callable<Integer> {

    @Mixin
    ModelOptions model;

    @Option(names = "--sampler", paramLabel = "SPEC", description = "Sampler spec (default: the model's).")
    String sampler;

    @ArgGroup(exclusive = true, multiplicity = "1")
    BudgetOptions budget;

    @Option(names = "--n", required = true, paramLabel = "N", description = "Number of samples.")
    int n;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S",
            description = "Seed of the first sample (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--class", paramLabel = "C", description = "Draw every sample from class C.")
    Integer classLabel;

    @Option(names = "--cfg-scale", defaultValue = "1", paramLabel = "W",
            description = "Classifier-free guidance scale (default: ${DEFAULT-VALUE}).")
    double guidance;

    @Option(names = "--format", defaultValue = "npy", paramLabel = "FORMAT",
            description = "npy (one shard per block) or parquet (rows: block, seed, class, sample, …) "
                    + "(default: ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--out", required = true, paramLabel = "DIR",
            description = "Output folder, on a file system every executor can write.")
    Path out;

    @Mixin
    SparkOptions spark;

    @Override
    public Integer call() {
        ModelSource source = model.source();
        Settings settings = new Settings(sampler, budget.steps, budget.nfe, guidance, classLabel);
        SeedBlocks blocks = new SeedBlocks(seed, n, spark.block);
        SparkGeneration.Format f = SparkGeneration.Format.parse(format);
        long started = System.nanoTime();
        SparkSession session = spark.session("d4j spark generate");
        try {
            int partitions = spark.partitions(session, blocks.blocks().size());
            SparkGeneration.Result r = SparkGeneration.run(session, source, settings, blocks, partitions,
                    spark.taskThreads, out, f);
            SparkGeneration.Shard first = r.shards().get(0);
            System.out.printf("%s: %d samples, %d steps, NFE %d, %d blocks in %d partitions on %s, %.2f s → %s%n",
                    first.sampler(), n, first.steps(), first.evaluations(), r.shards().size(), partitions,
                    session.sparkContext().master(), (System.nanoTime() - started) / 1e9, r.manifest());
        } finally {
            session.stop();
        }
        return 0;
    }

    /** --steps or --nfe. */
    static final class BudgetOptions {
        @Option(names = "--steps", paramLabel = "N", description = "Sampler steps.")
        Integer steps;

        @Option(names = "--nfe", paramLabel = "N", description = "Model calls per sample.")
        Integer nfe;
    }
}
