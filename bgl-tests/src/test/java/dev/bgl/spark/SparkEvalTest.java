package dev.bgl.spark;

import dev.bgl.budget.BudgetRunner;
import dev.bgl.cli.Main;
import dev.bgl.decode.LoadedModel;
import dev.bgl.eval.EvalHarness;
import dev.bgl.eval.EvalSettings;
import dev.bgl.eval.EvalTasks;
import dev.bgl.eval.RecordLog;
import dev.bgl.eval.TaskLoader;
import dev.bgl.eval.EvalRecord;
import dev.bgl.model.KvCacheType;
import dev.bgl.budget.GuidanceOptions;
import dev.bgl.util.BglException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** {@code eval --spark local[2]}: Spark embedded in this JVM writes the records the local command writes. */
class SparkEvalTest {
    @TempDir
    Path dir;

    static final List<String> EVAL = List.of("eval", "--tasks", "synthetic", "--n", "12", "--seed", "3", "--methods", "none,hard,guided",
            "--budgets", "16,40");

    static String run(List<String> args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(args.toArray(String[]::new), new PrintWriter(out), new PrintWriter(err));
        assertEquals(0, code, "bgl " + String.join(" ", args) + "\n" + err);
        return out.toString();
    }

    static List<String> eval(Path out, String... more) {
        List<String> a = new ArrayList<>(EVAL);
        a.addAll(List.of("--out", out.toString()));
        a.addAll(List.of(more));
        return a;
    }

    @Test
    void localSparkWritesTheLocalRecordsAndReport() throws Exception {
        run(eval(dir.resolve("local"), "--threads", "2"));
        String table = run(eval(dir.resolve("spark"), "--spark", "local[2]"));
        assertEquals(12 * 5, SameRecords.read(dir.resolve("spark/records.jsonl")).size(), "12 problems x (none + 2 methods x 2 budgets)");
        SameRecords.assertSame(dir.resolve("local/records.jsonl"), dir.resolve("spark/records.jsonl"));
        for (String f : List.of("summary.json", "summary.csv", "report.html")) assertTrue(Files.isRegularFile(dir.resolve("spark").resolve(f)), f);
        assertTrue(table.contains("guided") && table.contains("60 records (60 generated now)"), table);
        // resumed through Spark: nothing left to generate, nothing written twice
        String again = run(eval(dir.resolve("spark"), "--spark", "local[2]"));
        assertTrue(again.contains("60 records (0 generated now)"), again);
        SameRecords.assertSame(dir.resolve("local/records.jsonl"), dir.resolve("spark/records.jsonl"));
    }

    @Test
    void missingModelOnAnExecutorIsOneLineNamingTheNodeAndPath() {
        Path missing = dir.resolve("not-here.gguf");
        RunnerSpec spec = RunnerSpec.of(missing, null, KvCacheType.F16, null, 0, GuidanceOptions.DEFAULT, null);
        BglException e = assertThrows(BglException.class, () -> ExecutorModels.model(spec));
        assertTrue(e.getMessage().contains("no model file " + missing.toAbsolutePath()), e.getMessage());
        assertTrue(e.getMessage().startsWith("host ") || e.getMessage().startsWith("executor "), e.getMessage());
        // as the driver gets it: inside Spark's stage failure with the executor's stack trace; one line is kept
        RuntimeException spark = new RuntimeException("Job aborted due to stage failure: Task 0 in stage 0.0 failed 4 times, most recent"
                + " failure: Lost task 0.3 in stage 0.0 (TID 3) (127.0.0.1 executor 1): dev.bgl.util.BglException: executor 1 on 127.0.0.1:"
                + " no model file /x/m.gguf (every executor opens the model at the same path)\n\tat dev.bgl.spark.ExecutorModels.lambda$model$0");
        assertEquals("executor 1 on 127.0.0.1: no model file /x/m.gguf (every executor opens the model at the same path)", SparkEval.oneLine(spark));
    }

    /** A task whose executor throws bgl's own error, as one naming a missing file does. */
    static final class Refuses extends scala.runtime.AbstractFunction1<scala.collection.Iterator<Integer>, ArrayList<String>>
            implements java.io.Serializable {
        @Override
        public ArrayList<String> apply(scala.collection.Iterator<Integer> it) {
            throw new BglException("executor 7 on node-x: no task file /data/q.jsonl");
        }
    }

    @Test
    void aJobWhoseTasksFailIsOneLineWithTheExecutorsMessage() {
        org.apache.spark.api.java.JavaSparkContext sc = SparkApp.start("local[1]", "failing", List.of());
        try {
            BglException e = assertThrows(BglException.class, () -> SparkApp.runPartitioned(sc, List.of(1, 2), new Refuses(), line -> fail(line)));
            assertEquals("Spark job failed: executor 7 on node-x: no task file /data/q.jsonl", e.getMessage());
        } finally {
            SparkApp.stop(sc);
        }
    }

    @Test
    void badSparkConfIsOneLine() {
        StringWriter out = new StringWriter(), err = new StringWriter();
        List<String> a = eval(dir.resolve("bad"), "--spark", "local[1]", "--spark-conf", "no-equals-sign");
        int code = Main.run(a.toArray(String[]::new), new PrintWriter(out), new PrintWriter(err));
        assertEquals(1, code, err.toString());
        assertTrue(err.toString().strip().lines().count() == 1 && err.toString().contains("--spark-conf must be KEY=VALUE"), err.toString());
    }

    @Test
    void aRecordHandedTwiceIsWrittenOnce() throws Exception {
        // what a retried Spark task leans on: a backend that hands every record twice (a task run again after its
        // results were taken) still leaves one line per key
        EvalSettings s = new EvalSettings("bgl-reasoner.gguf", "synthetic", List.of("none", "hard"), List.of(16), List.of(), 3, 7, 256, 0, null);
        EvalTasks tasks = EvalTasks.load(s.tasks(), s.n(), s.seed(), TaskLoader.OnBadLine.STOP);
        int[] handed = {0};
        try (LoadedModel m = LoadedModel.open(model()); RecordLog log = RecordLog.open(dir.resolve("twice"), s, false)) {
            BudgetRunner runner = new BudgetRunner(m);
            EvalHarness.Result r = new EvalHarness(m, BudgetRunner::new, s, tasks, 1, (jobs, done) -> {
                for (EvalHarness.Job j : jobs) {
                    EvalRecord rec = EvalHarness.evaluate(runner, s, tasks, j);
                    done.accept(rec);
                    done.accept(rec);
                    handed[0] += 2;
                }
            }, null).run(log);
            assertEquals(12, handed[0]);
            assertEquals(6, r.generated());
            assertEquals(6, r.records().size());
        }
        assertEquals(6, Files.readAllLines(dir.resolve("twice/records.jsonl")).size());
        assertEquals(6, SameRecords.read(dir.resolve("twice/records.jsonl")).size());
    }

    static Path model() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent())
            if (Files.isRegularFile(p.resolve("models/bgl-reasoner.gguf"))) return p.resolve("models/bgl-reasoner.gguf");
        return fail("models/bgl-reasoner.gguf is missing");
    }
}
