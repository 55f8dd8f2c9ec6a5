package dev.bgl.cli;

import dev.bgl.spark.SparkJars;
import dev.bgl.spark.SparkParquet;
import dev.bgl.util.BglException;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

/**
 * The Spark options that {@code eval}, {@code batch} and {@code collect-traces} share besides their own
 * {@code --spark MASTER} (whose help says what each command runs as tasks): settings, shipping the files,
 * and the Parquet copy of what the command writes.
 */
final class SparkOptions {
    @Option(names = "--spark-conf", paramLabel = "KEY=VALUE", description = "A Spark setting for --spark or --parquet, e.g. spark.executor.memory=2g (repeatable)")
    List<String> conf = new ArrayList<>();

    @Option(names = "--spark-ship-model", description = "With --spark: send the model file (and the predictor and tokenizer folder, where given) to every"
            + " executor with the application (SparkContext.addFile, as spark-submit --files does); executors open their own copy, so the nodes need no shared path")
    boolean shipModel;

    @Option(names = "--parquet", paramLabel = "PATH", description = "Also write the output (records or traces) as Parquet to the folder PATH (rewritten whole"
            + " at the end of each run) through Spark's DataFrame writer: with --spark the executors write it (give a path every node can write: shared"
            + " storage, hdfs://...), without it an embedded Spark does. The JSONL file stays what a rerun resumes from")
    String parquet;

    /**
     * What a command copies to Parquet. Not {@link SparkParquet.Kind} itself: its constants are Spark schemas, and
     * naming one loads Spark's classes, which {@code bgl.jar} runs without unless {@code --spark} or
     * {@code --parquet} is given.
     */
    enum ParquetOf { RECORDS, TRACES }

    /**
     * With {@code --parquet}: writes {@code jsonl} ({@code what} it holds) there through the command's cluster
     * ({@code cluster}: its executors write; null: an embedded Spark does) and returns the rows written; −1 without
     * {@code --parquet}, touching nothing of Spark.
     */
    long writeParquet(Path jsonl, ParquetOf what, BiFunction<Path, String, Long> cluster) {
        if (parquet == null) return -1;
        if (cluster != null) return cluster.apply(jsonl, parquet);
        return SparkParquet.writeEmbedded(jsonl, what == ParquetOf.TRACES ? SparkParquet.Kind.TRACES : SparkParquet.Kind.RECORDS, parquet, conf);
    }

    /**
     * Before anything loads: options that need {@code --spark} (or {@code --parquet}) have it, Spark's jars are there when
     * either is used, and the Parquet folder can be written.
     */
    void check(String spark) {
        if (shipModel && spark == null) throw new BglException("--spark-ship-model sends the model to Spark's executors: add --spark MASTER or drop it");
        if (spark == null && parquet == null && !conf.isEmpty()) throw new BglException("--spark-conf is for --spark or --parquet: add one or drop it");
        if (spark != null || parquet != null) SparkJars.require();
        if (parquet != null) SparkParquet.check(parquet);
    }
}
