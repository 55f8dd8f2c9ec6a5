package dev.bgl.spark;

import dev.bgl.util.BglException;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.classic.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The Parquet copy of a command's JSON lines ({@code --parquet PATH}), written by Spark's own DataFrame writer: the
 * lines are read with a fixed schema (the columns of {@link dev.bgl.eval.EvalRecord#toJson} or of a trace line, in
 * that order, so the Parquet schema does not depend on which values a run happened to have) and written as one
 * Parquet folder. The JSON lines stay the file a run resumes from; the Parquet folder is rewritten whole at the end
 * of each run. With a cluster the executors write it: give a path every node can write (shared storage, hdfs://,
 * s3a:// with its connector on the cluster).
 */
public final class SparkParquet {
    /** What the lines are. */
    public enum Kind {
        /** records.jsonl of eval and batch. */
        RECORDS(schema(
                "id", DataTypes.StringType, "method", DataTypes.StringType, "budget", DataTypes.IntegerType,
                "thinking_tokens", DataTypes.IntegerType, "answer_tokens", DataTypes.IntegerType, "correct", DataTypes.BooleanType,
                "extracted", DataTypes.StringType, "gold", DataTypes.StringType, "wall_ms", DataTypes.DoubleType,
                "decode_tps", DataTypes.DoubleType, "intervened", DataTypes.BooleanType, "predicted_thinking", DataTypes.DoubleType,
                "within_budget", DataTypes.BooleanType, "overshoot", DataTypes.IntegerType, "thinking_closed", DataTypes.BooleanType,
                "stop_reason", DataTypes.StringType, "limits", DataTypes.StringType, "kv_bytes", DataTypes.LongType,
                "answer_overrun", DataTypes.BooleanType, "strict_correct", DataTypes.BooleanType, "closed_at_line_end", DataTypes.BooleanType)),
        /** traces.jsonl of collect-traces. */
        TRACES(schema(
                "id", DataTypes.StringType, "family", DataTypes.StringType, "difficulty", DataTypes.IntegerType,
                "question", DataTypes.StringType, "answer", DataTypes.StringType, "model", DataTypes.StringType,
                "vocab", DataTypes.IntegerType, "prompt_tokens", DataTypes.createArrayType(DataTypes.IntegerType, false),
                "tokens", DataTypes.createArrayType(DataTypes.IntegerType, false), "thinking_tokens", DataTypes.IntegerType,
                "closed", DataTypes.BooleanType, "correct", DataTypes.BooleanType, "seconds", DataTypes.DoubleType));

        final StructType schema;

        Kind(StructType schema) {
            this.schema = schema;
        }
    }

    private SparkParquet() {
    }

    private static StructType schema(Object... nameType) {
        List<StructField> fields = new ArrayList<>();
        for (int i = 0; i < nameType.length; i += 2)
            fields.add(DataTypes.createStructField((String) nameType[i], (DataType) nameType[i + 1], true));
        return DataTypes.createStructType(fields);
    }

    /** The columns of {@code kind}, in order (for the tests and the docs). */
    public static List<String> columns(Kind kind) {
        return List.of(kind.schema.fieldNames());
    }

    /**
     * A path as the executors must see it: a local path made absolute (their working folders are not the driver's);
     * a URI (hdfs://, s3a://, file:) as given.
     */
    static String destination(String dest) {
        if (dest.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://.*") || dest.startsWith("file:")) return dest;
        return Path.of(dest).toAbsolutePath().normalize().toUri().toString();
    }

    /**
     * Checks {@code dest} before a run rather than after it: a local folder is created (an existing one is replaced by
     * the write); a file in its place, or a folder that cannot be made, is one line naming it. A URI of another file
     * system (hdfs://, s3a://) is left to its writer.
     */
    public static void check(String dest) {
        if (dest == null || dest.isBlank()) throw new BglException("--parquet needs a folder path");
        String to = destination(dest);
        if (!to.startsWith("file:")) return;
        Path p = Path.of(java.net.URI.create(to));
        if (Files.exists(p) && !Files.isDirectory(p)) throw new BglException("--parquet " + dest + ": " + p + " is a file; give a folder (it is rewritten whole)");
        try {
            Files.createDirectories(p);
        } catch (IOException | RuntimeException e) {
            throw new BglException("--parquet " + dest + ": cannot create the folder " + p + " (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")");
        }
        if (!Files.isWritable(p)) throw new BglException("--parquet " + dest + ": the folder " + p + " is not writable");
    }

    /** Writes the lines of {@code jsonl} to {@code dest} through the application of {@code sc}; returns the rows written. */
    static long write(JavaSparkContext sc, Path jsonl, Kind kind, String dest) {
        List<String> lines = new ArrayList<>();
        try {
            for (String l : Files.readAllLines(jsonl, StandardCharsets.UTF_8)) if (!l.isBlank()) lines.add(l);
        } catch (IOException e) {
            throw new BglException("cannot read " + jsonl + " for --parquet: " + e.getMessage());
        }
        String to = destination(dest);
        try {
            SparkSession s = SparkSession.builder().sparkContext(sc.sc()).getOrCreate();
            Dataset<Row> rows = s.read().schema(kind.schema).option("mode", "FAILFAST").json(s.createDataset(lines, Encoders.STRING()));
            rows.write().mode(SaveMode.Overwrite).parquet(to);
        } catch (Exception e) { // SparkException is checked in Java's eyes, though Scala throws it anywhere
            throw new BglException("--parquet " + dest + ": cannot write it (" + SparkEval.oneLine(e) + ")");
        }
        return lines.size();
    }

    /**
     * Writes the lines through an embedded {@code local[1]} application: a command run without {@code --spark}. The
     * application lives only for the write.
     */
    public static long writeEmbedded(Path jsonl, Kind kind, String dest, List<String> conf) {
        SparkJars.require();
        JavaSparkContext sc = SparkApp.start("local[1]", "bgl parquet", conf);
        try {
            return write(sc, jsonl, kind, dest);
        } finally {
            SparkApp.stop(sc);
        }
    }
}
