/**
 * Batch work on Apache Spark: an evaluation's samples run as tasks on a cluster's executors, through the same code
 * as the local command ({@link dev.bgl.eval.EvalHarness#evaluate}). Only this package imports Spark (its jars are
 * {@code provided}: on the classpath through {@code ./bgl} or {@code spark-submit}, not in {@code bgl.jar}).
 * A layer after {@code eval}: it uses eval, train and below; the CLI uses it.
 */
package dev.bgl.spark;
