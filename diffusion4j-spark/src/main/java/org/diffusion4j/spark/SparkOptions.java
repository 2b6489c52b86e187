package org.diffusion4j.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.diffusion4j.InvalidArgumentException;
import picocli.CommandLine.Option;

/** The options every {@code d4j spark} command shares: where it runs, how work is cut, threads per task. */
final class SparkOptions {

    @Option(names = "--master", paramLabel = "URL",
            description = "Spark master: local[*] (default, every core of this machine), local[K], or a cluster URL; "
                    + "under spark-submit, the master it was given.")
    String master;

    @Option(names = "--partitions", paramLabel = "P",
            description = "Partitions of the seed blocks (default: Spark's default parallelism, at most one per "
                    + "block).")
    Integer partitions;

    @Option(names = "--block", paramLabel = "B", defaultValue = "250",
            description = "Samples per seed block, the unit of work, batching and statistics; results do not depend "
                    + "on --partitions, only on the blocks (default: ${DEFAULT-VALUE}, d4j eval's batch).")
    int block;

    @Option(names = "--task-threads", paramLabel = "T", defaultValue = "1",
            description = "Engine intra-op threads per Spark task; keep (concurrent tasks × T) ≤ cores "
                    + "(default: ${DEFAULT-VALUE}).")
    int taskThreads;

    /** A session on --master, or on the master spark-submit set, or local[*]. */
    SparkSession session(String app) {
        if (taskThreads < 1) {
            throw new InvalidArgumentException("--task-threads must be at least 1, got " + taskThreads);
        }
        SparkConf conf = new SparkConf(); // holds spark-submit's settings (spark.* system properties)
        String url = master != null ? master : conf.get("spark.master", "local[*]");
        SparkSession.Builder builder = SparkSession.builder().appName(app).master(url)
                .config("spark.executorEnv.OMP_NUM_THREADS", Integer.toString(taskThreads));
        if (url.startsWith("local")) {
            builder.config("spark.ui.enabled", conf.get("spark.ui.enabled", "false"))
                    .config("spark.driver.bindAddress", conf.get("spark.driver.bindAddress", "127.0.0.1"))
                    .config("spark.driver.host", conf.get("spark.driver.host", "127.0.0.1"));
        }
        return builder.getOrCreate();
    }

    /** --partitions, or the session's default parallelism; never more than {@code blocks}. */
    int partitions(SparkSession spark, int blocks) {
        if (partitions != null && partitions < 1) {
            throw new InvalidArgumentException("--partitions must be at least 1, got " + partitions);
        }
        int p = partitions != null ? partitions : spark.sparkContext().defaultParallelism();
        return Math.max(1, Math.min(p, blocks));
    }
}
