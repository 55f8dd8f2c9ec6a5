package dev.bgl.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.*;

/** {@code --parquet PATH}: the JSONL output as Parquet, written by Spark's writer; read back with Spark, the same rows. */
class SparkParquetTest {
    @TempDir
    Path dir;

    static final ObjectMapper JSON = new ObjectMapper();
    /** Numbers by value (Spark writes a long column's 5 as Jackson's LongNode, the JSONL as IntNode); the rest exactly. */
    static final Comparator<JsonNode> BY_VALUE = (a, b) -> a.isNumber() && b.isNumber()
            ? Double.compare(a.doubleValue(), b.doubleValue()) : a.equals(b) ? 0 : 1;

    /** A record's key (problem, method, budget, limits); a trace's id. */
    static String key(JsonNode o) {
        return text(o, "id") + "|" + text(o, "method") + "|" + text(o, "budget") + "|" + text(o, "limits");
    }

    /** A field as text, "" where the line leaves it out or the row has null. */
    static String text(JsonNode o, String field) {
        JsonNode v = o.path(field);
        return v.isMissingNode() || v.isNull() ? "" : v.asText();
    }

    /** The rows of a Parquet folder, read by Spark, as JSON objects keyed by {@link #key} (null columns kept). */
    static TreeMap<String, JsonNode> readBack(Path parquet, List<String> columns) throws Exception {
        SparkSession s = SparkSession.builder().master("local[1]").appName("read back").config("spark.ui.enabled", "false")
                .config("spark.sql.jsonGenerator.ignoreNullFields", "false").getOrCreate();
        try {
            Dataset<Row> rows = s.read().parquet(parquet.toString());
            assertEquals(columns, List.of(rows.schema().fieldNames()), "the Parquet columns, in the schema's order");
            TreeMap<String, JsonNode> out = new TreeMap<>();
            for (String line : rows.toJSON().collectAsList()) {
                JsonNode o = JSON.readTree(line);
                assertNull(out.put(key(o), o), "key twice: " + o);
            }
            return out;
        } finally {
            s.stop();
        }
    }

    /** Every JSONL line is a Parquet row: each column equal (a field the line leaves out is null), no field without a column. */
    static void assertSameRows(Path jsonl, Path parquet, SparkParquet.Kind kind) throws Exception {
        List<String> columns = SparkParquet.columns(kind);
        TreeMap<String, JsonNode> rows = readBack(parquet, columns);
        List<String> lines = Files.readAllLines(jsonl).stream().filter(l -> !l.isBlank()).toList();
        assertEquals(lines.size(), rows.size(), "one row per line");
        for (String line : lines) {
            JsonNode want = JSON.readTree(line), got = rows.get(key(want));
            assertNotNull(got, "no row for " + want.get("id"));
            for (Iterator<String> f = want.fieldNames(); f.hasNext(); ) {
                String name = f.next();
                assertTrue(columns.contains(name), "field " + name + " of the JSONL has no Parquet column");
            }
            for (String c : columns) {
                JsonNode a = want.has(c) ? want.get(c) : NullNode.getInstance(), b = got.get(c);
                assertTrue(a.equals(BY_VALUE, b), want.get("id") + " column " + c + ": " + a + " in the JSONL, " + b + " in the Parquet");
            }
        }
    }

    @Test
    void evalThroughSparkWritesItsRecordsAsParquet() throws Exception {
        List<String> a = new ArrayList<>(List.of("eval", "--tasks", "synthetic", "--n", "4", "--seed", "3", "--methods", "none,hard,guided",
                "--budgets", "16", "--out", dir.resolve("run").toString(), "--spark", "local[2]", "--parquet", dir.resolve("run.parquet").toString()));
        String out = SparkEvalTest.run(a);
        assertTrue(out.contains("12 records as Parquet in " + dir.resolve("run.parquet")), out);
        assertSameRows(dir.resolve("run/records.jsonl"), dir.resolve("run.parquet"), SparkParquet.Kind.RECORDS);
    }

    @Test
    void tracesWithoutSparkAreWrittenByAnEmbeddedOne() throws Exception {
        String out = SparkEvalTest.run(List.of("collect-traces", "--n", "3", "--seed", "2", "--max-tokens", "48", "--threads", "1",
                "--out", dir.resolve("t").toString(), "--parquet", dir.resolve("t.parquet").toString()));
        assertTrue(out.contains("3 traces as Parquet"), out);
        assertSameRows(dir.resolve("t/traces.jsonl"), dir.resolve("t.parquet"), SparkParquet.Kind.TRACES);
    }
}
