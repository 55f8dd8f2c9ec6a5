package dev.bgl.spark;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bgl.cli.Main;
import dev.bgl.decode.LoadedModel;
import dev.bgl.eval.EvalRecord;
import dev.bgl.train.predictor.Trace;
import dev.bgl.train.predictor.TraceCollector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.*;

/** {@code batch --spark local[2]} and {@code collect-traces --spark local[2]} write what the local commands write. */
class SparkBatchTracesTest {
    @TempDir
    Path dir;

    static final ObjectMapper JSON = new ObjectMapper();

    record Run(int code, String out, String err) {
    }

    static Run bgl(List<String> args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(args.toArray(String[]::new), new PrintWriter(out), new PrintWriter(err));
        return new Run(code, out.toString(), err.toString());
    }

    static String ok(List<String> args) {
        Run r = bgl(args);
        assertEquals(0, r.code(), "bgl " + String.join(" ", args) + "\n" + r.err());
        return r.out();
    }

    static List<String> batch(Path out, String... more) {
        List<String> a = new ArrayList<>(List.of("batch", "synthetic", "--n", "6", "--seed", "3", "--pool", "90tok", "--policy", "proportional",
                "--max-tokens", "96", "--out", out.toString()));
        a.addAll(List.of(more));
        return a;
    }

    static List<EvalRecord> records(Path file) throws Exception {
        List<EvalRecord> rs = new ArrayList<>();
        for (String line : Files.readAllLines(file)) rs.add(EvalRecord.fromJson(JSON.readTree(line)));
        return rs;
    }

    @Test
    void sparkBatchWritesTheRecordsOfTheLocalBatchAtTheSameParallelism() throws Exception {
        String local = ok(batch(dir.resolve("local"), "--parallel", "2"));
        // no --parallel: the executor cores (2) are the window, and the records are those of --parallel 2; the model and
        // predictor shipped with the application: the executors open their copies, not the driver's paths
        int before = ExecutorModels.opened().size();
        String spark = ok(batch(dir.resolve("spark"), "--spark", "local[2]", "--spark-ship-model"));
        List<Path> opened = ExecutorModels.opened().subList(before, ExecutorModels.opened().size());
        Path model = SparkEvalTest.model();
        assertFalse(opened.isEmpty(), "the executors opened a model");
        for (Path p : opened) {
            assertEquals(model.getFileName(), p.getFileName(), "the shipped file: " + p);
            assertNotEquals(model.toAbsolutePath(), p.toAbsolutePath(), "a copy fetched by the executor, not the driver's path");
        }
        assertEquals(local.replace(dir.resolve("local").toString(), "OUT"), spark.replace(dir.resolve("spark").toString(), "OUT"),
                "the same summary line (accuracy, tokens spent)");
        List<EvalRecord> a = records(dir.resolve("local/records.jsonl")), b = records(dir.resolve("spark/records.jsonl"));
        assertEquals(6, b.size());
        assertEquals(a.stream().map(EvalRecord::id).toList(), b.stream().map(EvalRecord::id).toList(), "records in question order, each once");
        for (int i = 0; i < a.size(); i++) {
            // the predictor's estimate to 1e-4 relative, as SameRecords: its float sums differ in the last digits between two local
            // runs too, and here the local estimates are made in a batch, the executors' alone (seen: 2e-5 apart)
            assertEquals(a.get(i).predictedThinking(), b.get(i).predictedThinking(), 1e-4 * Math.abs(a.get(i).predictedThinking()), a.get(i).id());
            List<String> drop = List.of("wall_ms", "decode_tps", "predicted_thinking");
            assertEquals(a.get(i).toJson().without(drop), b.get(i).toJson().without(drop), "record " + i);
        }
        assertTrue(b.stream().mapToLong(EvalRecord::thinkingTokens).sum() <= 90, "the pool holds");
    }

    static TreeMap<String, ObjectNode> traces(Path file) throws Exception {
        TreeMap<String, ObjectNode> out = new TreeMap<>();
        for (String line : Files.readAllLines(file)) {
            ObjectNode o = (ObjectNode) JSON.readTree(line);
            o.remove("seconds");
            assertNull(out.put(o.get("id").asText(), o), "id " + o.get("id") + " twice in " + file);
        }
        return out;
    }

    @Test
    void sparkTracesAreTheLocalTraces() throws Exception {
        // sampled (temperature 0.8): each response has its own seed from the run's seed and its id, wherever it runs
        List<String> common = List.of("collect-traces", "--n", "8", "--seed", "5", "--temperature", "0.8", "--max-tokens", "64");
        List<String> local = new ArrayList<>(common), spark = new ArrayList<>(common);
        local.addAll(List.of("--threads", "2", "--out", dir.resolve("local").toString()));
        spark.addAll(List.of("--spark", "local[2]", "--out", dir.resolve("spark").toString()));
        ok(local);
        ok(spark);
        TreeMap<String, ObjectNode> a = traces(dir.resolve("local/traces.jsonl")), b = traces(dir.resolve("spark/traces.jsonl"));
        assertEquals(8, b.size());
        assertEquals(a.keySet(), b.keySet());
        for (String id : a.keySet()) assertEquals(JSON.writeValueAsString(a.get(id)), JSON.writeValueAsString(b.get(id)), "trace " + id);
        // resumed through Spark: nothing new, nothing twice
        String again = ok(spark);
        assertTrue(again.contains("0 new responses (8 already there)"), again);
        assertEquals(8, Files.readAllLines(dir.resolve("spark/traces.jsonl")).size());
    }

    @Test
    void aTraceHandedTwiceIsWrittenOnce() throws Exception {
        // what a retried Spark task leans on: a backend that hands every trace twice still leaves one line per id
        TraceCollector.Options o = new TraceCollector.Options(4, 3, 1, 0f, 32);
        List<TraceCollector.Item> items = TraceCollector.curriculum(o);
        int[] handed = {0};
        try (LoadedModel m = LoadedModel.open(SparkEvalTest.model())) {
            TraceCollector.Summary s = TraceCollector.collect(m, dir.resolve("twice"), o, items, null, (todo, done) -> {
                for (int i : todo) {
                    Trace t = TraceCollector.one(m, items.get(i), o);
                    done.accept(t);
                    done.accept(t);
                    handed[0] += 2;
                }
            });
            assertEquals(6, handed[0]);
            assertEquals(3, s.collected());
        }
        assertEquals(3, traces(dir.resolve("twice/traces.jsonl")).size());
        assertEquals(3, Files.readAllLines(dir.resolve("twice/traces.jsonl")).size());
    }

    static void oneLine(Run r, String expected) {
        assertEquals(1, r.code(), r.err());
        assertEquals("bgl: " + expected, r.err().strip());
    }

    @Test
    void badSparkFlagsAreOneLine() throws Exception {
        String o = dir.resolve("o").toString();
        oneLine(bgl(List.of("collect-traces", "--n", "2", "--spark", "local[1]", "--parallel", "2", "--out", o)),
                "--parallel batches responses in this process; with --spark each executor core makes its own: drop --parallel 2");
        oneLine(bgl(List.of("collect-traces", "--n", "2", "--spark", "local[1]", "--threads", "2", "--out", o)),
                "--threads sets this process's workers; with --spark the executors' cores (spark.executor.cores) do: drop --threads");
        oneLine(bgl(List.of("collect-traces", "--n", "2", "--spark-conf", "spark.executor.memory=2g", "--out", o)),
                "--spark-conf is for --spark or --parquet: add one or drop it");
        oneLine(bgl(batch(dir.resolve("b"), "--spark-ship-model")), "--spark-ship-model sends the model to Spark's executors: add --spark MASTER or drop it");
        oneLine(bgl(batch(dir.resolve("b"), "--spark-conf", "spark.executor.memory=2g")), "--spark-conf is for --spark or --parquet: add one or drop it");
        oneLine(bgl(batch(dir.resolve("b"), "--spark", "local[1]", "--spark-conf", "no-equals")), "--spark-conf must be KEY=VALUE, got 'no-equals'");
        // a Parquet path that cannot be a folder: said before the run, not after it
        Path file = Files.writeString(dir.resolve("a-file.parquet"), "x");
        oneLine(bgl(batch(dir.resolve("b"), "--parquet", file.toString())), "--parquet " + file + ": " + file + " is a file; give a folder (it is rewritten whole)");
        assertFalse(Files.exists(dir.resolve("b/records.jsonl")), "nothing ran");
    }
}
