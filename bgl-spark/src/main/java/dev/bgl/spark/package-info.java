/**
 * Batch work on Apache Spark: an evaluation's samples ({@link dev.bgl.spark.SparkEval}), a shared pool's questions
 * ({@link dev.bgl.spark.SparkBatch}) and a trace collection's responses ({@link dev.bgl.spark.SparkTraces}) run as
 * tasks on a cluster's executors, through the same per-record code as the local commands
 * ({@link dev.bgl.eval.EvalHarness#evaluate}, {@link dev.bgl.eval.BatchQuestions},
 * {@link dev.bgl.train.predictor.TraceCollector#one}); their output also as Parquet through Spark's DataFrame writer
 * ({@link dev.bgl.spark.SparkParquet}). Only this package imports Spark (its jars are {@code provided}: on the
 * classpath through {@code ./bgl} or {@code spark-submit}, not in {@code bgl.jar}).
 * A layer after {@code eval}: it uses eval, train and below; the CLI uses it.
 */
package dev.bgl.spark;
